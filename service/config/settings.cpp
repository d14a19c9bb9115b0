#include "config/settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <functional>
#include <map>

namespace config {
namespace {

using Poco::Util::AbstractConfiguration;

int readInt(const AbstractConfiguration& c, const std::string& key, int min, int max) {
    int v = c.getInt(key);
    if (v < min || v > max)
        throw Poco::InvalidArgumentException(key + " must be between " + std::to_string(min) + " and " +
                                             std::to_string(max));
    return v;
}

}  // namespace

common::Result<Settings> loadSettings(const std::string& path, Settings s) {
    using Setter = std::function<void(const AbstractConfiguration&, const std::string&)>;
    const std::map<std::string, Setter> keys = {
        {"server.host", [&](auto& c, auto& k) { s.host = c.getString(k); }},
        {"server.port", [&](auto& c, auto& k) { s.port = readInt(c, k, 0, 65535); }},
        {"server.threads", [&](auto& c, auto& k) { s.threads = readInt(c, k, 1, 1024); }},
        {"server.queue", [&](auto& c, auto& k) { s.queueLength = readInt(c, k, 1, 100000); }},
        {"server.timeoutMs", [&](auto& c, auto& k) { s.timeoutMs = readInt(c, k, 100, 600000); }},
        {"server.keepAliveTimeoutMs", [&](auto& c, auto& k) { s.keepAliveTimeoutMs = readInt(c, k, 100, 600000); }},
        {"data.dir", [&](auto& c, auto& k) { s.dataDir = c.getString(k); }},
        {"templates.dir", [&](auto& c, auto& k) { s.templatesDir = c.getString(k); }},
        {"fonts.primary", [&](auto& c, auto& k) { s.primaryFont = c.getString(k); }},
        {"fonts.fallback", [&](auto& c, auto& k) { s.fallbackFont = c.getString(k); }},
        {"xlsx.font", [&](auto& c, auto& k) { s.xlsxFont = c.getString(k); }},
        {"limits.maxBodyBytes", [&](auto& c, auto& k) { s.maxBodyBytes = readInt(c, k, 1024, 1 << 30); }},
        {"limits.maxHeaderCount", [&](auto& c, auto& k) { s.maxHeaderCount = readInt(c, k, 8, 100); }},
        {"limits.maxHeaderBytes", [&](auto& c, auto& k) { s.maxHeaderBytes = readInt(c, k, 1024, 1 << 20); }},
        {"auth.tokensFile", [&](auto& c, auto& k) { s.tokensFile = c.getString(k); }},
        {"auth.maxFailures", [&](auto& c, auto& k) { s.authMaxFailures = readInt(c, k, 1, 100000); }},
        {"auth.failureWindowSeconds", [&](auto& c, auto& k) { s.authFailureWindowSeconds = readInt(c, k, 1, 86400); }},
        {"auth.trackedAddresses", [&](auto& c, auto& k) { s.authTrackedAddresses = readInt(c, k, 1, 1000000); }},
        {"tls.certificateFile", [&](auto& c, auto& k) { s.tlsCertificateFile = c.getString(k); }},
        {"tls.privateKeyFile", [&](auto& c, auto& k) { s.tlsPrivateKeyFile = c.getString(k); }},
        {"server.behindTlsProxy", [&](auto& c, auto& k) { s.behindTlsProxy = c.getBool(k); }},
        {"render.workers", [&](auto& c, auto& k) { s.renderWorkers = readInt(c, k, 0, 256); }},
        {"render.queue", [&](auto& c, auto& k) { s.renderQueue = readInt(c, k, 0, 100000); }},
        {"jobs.concurrent", [&](auto& c, auto& k) { s.jobsConcurrent = readInt(c, k, 0, 1024); }},
        {"jobs.queue", [&](auto& c, auto& k) { s.jobsQueue = readInt(c, k, 0, 100000); }},
        {"partners.file", [&](auto& c, auto& k) { s.partnersFile = c.getString(k); }},
        {"fax.holdSeconds", [&](auto& c, auto& k) { s.faxHoldSeconds = readInt(c, k, 0, 3600); }},
        {"fax.allowAdHocNumbers", [&](auto& c, auto& k) { s.faxAllowAdHocNumbers = c.getBool(k); }},
        {"fax.defaultMask", [&](auto& c, auto& k) {
             s.faxDefaultMask = c.getString(k);
             if (s.faxDefaultMask != "none" && s.faxDefaultMask != "initials" && s.faxDefaultMask != "partial")
                 throw Poco::InvalidArgumentException(k + " must be none, initials or partial");
         }},
        {"jobs.duplicateWindowSeconds", [&](auto& c, auto& k) { s.duplicateWindowSeconds = readInt(c, k, 0, 86400); }},
        {"jobs.idempotencyKeepSeconds", [&](auto& c, auto& k) { s.idempotencyKeepSeconds = readInt(c, k, 60, 366 * 86400); }},
        {"limits.documentsPerJob", [&](auto& c, auto& k) { s.documentsPerJob = readInt(c, k, 1, 100); }},
        {"limits.attachmentsPerJob", [&](auto& c, auto& k) { s.attachmentsPerJob = readInt(c, k, 0, 100); }},
        {"limits.pagesPerJob", [&](auto& c, auto& k) { s.pagesPerJob = readInt(c, k, 1, 1000); }},
        {"office.businessDays", [&](auto& c, auto& k) { s.businessDays = c.getString(k); }},
        {"office.openTime", [&](auto& c, auto& k) { s.openTime = c.getString(k); }},
        {"office.closeTime", [&](auto& c, auto& k) { s.closeTime = c.getString(k); }},
        {"office.holidays", [&](auto& c, auto& k) { s.holidays = c.getString(k); }},
        {"print.cupsQueue", [&](auto& c, auto& k) { s.cupsQueue = c.getString(k); }},
        {"print.cupsServer", [&](auto& c, auto& k) { s.cupsServer = c.getString(k); }},
        {"dispatch.pollMs", [&](auto& c, auto& k) { s.dispatchPollMs = readInt(c, k, 10, 10000); }},
        {"spool.retryFirstMs", [&](auto& c, auto& k) { s.spoolRetryFirstMs = readInt(c, k, 10, 3600000); }},
        {"spool.retryMaxMs", [&](auto& c, auto& k) { s.spoolRetryMaxMs = readInt(c, k, 10, 3600000); }},
        {"web.dir", [&](auto& c, auto& k) { s.webDir = c.getString(k); }},
        {"web.sessionIdleMinutes", [&](auto& c, auto& k) { s.sessionIdleMinutes = readInt(c, k, 1, 24 * 60); }},
        {"web.sessionMaxHours", [&](auto& c, auto& k) { s.sessionMaxHours = readInt(c, k, 1, 7 * 24); }},
        {"drafts.maxBytes", [&](auto& c, auto& k) { s.draftMaxBytes = readInt(c, k, 1024, 16 << 20); }},
        {"drafts.perOffice", [&](auto& c, auto& k) { s.draftsPerOffice = readInt(c, k, 1, 100000); }},
        {"drafts.keepDays", [&](auto& c, auto& k) { s.draftKeepDays = readInt(c, k, 1, 3660); }},
        {"inbound.maxBytes", [&](auto& c, auto& k) { s.inboundMaxBytes = readInt(c, k, 1024, 256 << 20); }},
        {"inbound.maxPages", [&](auto& c, auto& k) { s.inboundMaxPages = readInt(c, k, 1, 1000); }},
        {"inbound.maxPixelsPerPage",
         [&](auto& c, auto& k) { s.inboundMaxPixelsPerPage = readInt(c, k, 100000, 100'000'000); }},
    };
    std::string current;
    try {
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(new Poco::Util::PropertyFileConfiguration(path));
        AbstractConfiguration::Keys top;
        file->keys(top);
        std::function<void(const std::string&)> visit = [&](const std::string& prefix) {
            AbstractConfiguration::Keys children;
            file->keys(prefix, children);
            if (children.empty()) {
                current = prefix;
                auto it = keys.find(prefix);
                if (it == keys.end()) throw Poco::InvalidArgumentException("unknown key " + prefix);
                it->second(*file, prefix);
                return;
            }
            for (const auto& c : children) visit(prefix + "." + c);
        };
        for (const auto& k : top) visit(k);
    } catch (const Poco::FileException& e) {
        return common::Status::ioError("config " + path + ": " + e.displayText());
    } catch (const Poco::Exception& e) {
        return common::Status::invalidArgument("config " + path + ": " + (current.empty() ? "" : current + ": ") +
                                               e.displayText());
    }
    return s;
}

std::string defaultConfigPath() {
    const std::string path = "config/renkei.properties";
    return Poco::File(path).exists() ? path : "";
}

}  // namespace config
