#include "config/settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <functional>
#include <set>

namespace config {
namespace {

// Reads one value (as written, trimmed) into the settings; returns why it is
// refused, or "" when it was set. folder: where a relative path starts.
using Setter = std::function<std::string(Settings&, const std::string& value, const Poco::Path& folder)>;

// value as an absolute path, relative ones taken from folder; "" stays ""
// (it means "none" for the keys that allow it).
std::string resolvePath(const Poco::Path& folder, const std::string& value) {
    if (value.empty()) return value;
    Poco::Path given(value);
    if (given.isAbsolute()) return value;
    Poco::Path resolved(folder);
    resolved.resolve(given);
    return resolved.toString();
}

Setter text(std::string Settings::*field) {
    return [field](Settings& s, const std::string& v, const Poco::Path&) {
        s.*field = v;
        return std::string();
    };
}

// A key naming a file or folder.
Setter path(std::string Settings::*field) {
    return [field](Settings& s, const std::string& v, const Poco::Path& folder) {
        s.*field = resolvePath(folder, v);
        return std::string();
    };
}

template <typename T>
Setter number(T Settings::*field, long long min, long long max) {
    return [field, min, max](Settings& s, const std::string& v, const Poco::Path&) {
        Poco::Int64 n = 0;
        // No thousands separator: "1,000" is a typo more often than a number.
        if (!Poco::NumberParser::tryParse64(v, n, '\0') || n < min || n > max)
            return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        s.*field = static_cast<T>(n);
        return std::string();
    };
}

Setter flag(bool Settings::*field) {
    return [field](Settings& s, const std::string& v, const Poco::Path&) {
        const std::string lower = Poco::toLower(v);
        if (lower != "true" && lower != "false") return std::string("must be true or false");
        s.*field = lower == "true";
        return std::string();
    };
}

Setter oneOf(std::string Settings::*field, std::vector<std::string> allowed) {
    return [field, allowed](Settings& s, const std::string& v, const Poco::Path&) {
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
            std::string list;
            for (size_t i = 0; i < allowed.size(); ++i)
                list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
            return "must be " + list;
        }
        s.*field = v;
        return std::string();
    };
}

// Every key a .properties file may set. A new key is one line here, its field
// and comment in settings.h, and its line in config/renkei.properties.
const std::map<std::string, Setter>& setters() {
    static const std::map<std::string, Setter> kSetters = {
        {"server.host", text(&Settings::host)},
        {"server.port", number(&Settings::port, 0, 65535)},
        {"server.threads", number(&Settings::threads, 1, 1024)},
        {"server.queue", number(&Settings::queueLength, 1, 100000)},
        {"server.maxQueuedRequests", number(&Settings::maxQueuedRequests, 1, 1000000)},
        {"server.listenBacklog", number(&Settings::listenBacklog, 1, 65535)},
        {"server.timeoutMs", number(&Settings::timeoutMs, 100, 600000)},
        {"server.requestTimeoutMs", number(&Settings::requestTimeoutMs, 100, 3600000)},
        {"server.keepAliveTimeoutMs", number(&Settings::keepAliveTimeoutMs, 100, 600000)},
        {"server.maxConnections", number(&Settings::maxConnections, 1, 1000000)},
        {"server.maxConnectionsPerClient", number(&Settings::maxConnectionsPerClient, 1, 1000000)},
        {"data.dir", path(&Settings::dataDir)},
        {"templates.dir", path(&Settings::templatesDir)},
        {"fonts.primary", path(&Settings::primaryFont)},
        {"fonts.fallback", path(&Settings::fallbackFont)},
        {"xlsx.font", text(&Settings::xlsxFont)},
        {"xlsx.importMaxParts", number(&Settings::xlsxImportMaxParts, 8, 100000)},
        {"xlsx.importMaxPartCompressedBytes", number(&Settings::xlsxImportMaxPartCompressedBytes, 65536, 1LL << 30)},
        {"xlsx.importMaxPartBytes", number(&Settings::xlsxImportMaxPartBytes, 65536, 1LL << 30)},
        {"xlsx.importMaxTotalBytes", number(&Settings::xlsxImportMaxTotalBytes, 65536, 4LL << 30)},
        {"limits.maxBodyBytes", number(&Settings::maxBodyBytes, 1024, 1 << 30)},
        {"limits.maxHeaderCount", number(&Settings::maxHeaderCount, 8, 100)},
        {"limits.maxHeaderBytes", number(&Settings::maxHeaderBytes, 1024, 1 << 20)},
        {"auth.tokensFile", path(&Settings::tokensFile)},
        {"auth.maxFailures", number(&Settings::authMaxFailures, 1, 100000)},
        {"auth.failureWindowSeconds", number(&Settings::authFailureWindowSeconds, 1, 86400)},
        {"auth.trackedAddresses", number(&Settings::authTrackedAddresses, 1, 1000000)},
        {"tls.certificateFile", path(&Settings::tlsCertificateFile)},
        {"tls.privateKeyFile", path(&Settings::tlsPrivateKeyFile)},
        {"server.behindTlsProxy", flag(&Settings::behindTlsProxy)},
        {"render.workers", number(&Settings::renderWorkers, 0, 256)},
        {"render.queue", number(&Settings::renderQueue, 0, 100000)},
        {"jobs.concurrent", number(&Settings::jobsConcurrent, 0, 1024)},
        {"jobs.queue", number(&Settings::jobsQueue, 0, 100000)},
        {"jobs.store", oneOf(&Settings::jobsStore, {"sqlite", "postgresql"})},
        {"jobs.postgresql", text(&Settings::jobsPostgresql)},
        {"jobs.postgresqlPool", number(&Settings::jobsPostgresqlPool, 1, 256)},
        {"jobs.claimSeconds", number(&Settings::jobsClaimSeconds, 1, 3600)},
        {"spool.dir", path(&Settings::spoolDirectory)},
        {"spool.shared", flag(&Settings::spoolShared)},
        {"partners.file", path(&Settings::partnersFile)},
        {"fax.holdSeconds", number(&Settings::faxHoldSeconds, 0, 3600)},
        {"fax.allowAdHocNumbers", flag(&Settings::faxAllowAdHocNumbers)},
        {"fax.defaultMask", oneOf(&Settings::faxDefaultMask, {"none", "initials", "partial"})},
        {"jobs.duplicateWindowSeconds", number(&Settings::duplicateWindowSeconds, 0, 86400)},
        {"jobs.idempotencyKeepSeconds", number(&Settings::idempotencyKeepSeconds, 60, 366 * 86400)},
        {"limits.documentsPerJob", number(&Settings::documentsPerJob, 1, 100)},
        {"limits.attachmentsPerJob", number(&Settings::attachmentsPerJob, 0, 100)},
        {"limits.pagesPerJob", number(&Settings::pagesPerJob, 1, 1000)},
        {"offices.file", path(&Settings::officesFile)},
        {"office.default", text(&Settings::defaultOffice)},
        {"ready.maxGatewayLagSeconds", number(&Settings::readyMaxGatewayLagSeconds, 1, 7 * 86400)},
        {"metrics.allow", oneOf(&Settings::metricsAllow, {"loopback", "all", "none"})},
        {"print.cupsQueue", text(&Settings::cupsQueue)},
        {"print.cupsServer", text(&Settings::cupsServer)},
        {"dispatch.pollMs", number(&Settings::dispatchPollMs, 10, 10000)},
        {"spool.retryFirstMs", number(&Settings::spoolRetryFirstMs, 10, 3600000)},
        {"spool.retryMaxMs", number(&Settings::spoolRetryMaxMs, 10, 3600000)},
        {"web.dir", path(&Settings::webDir)},
        {"web.sessionIdleMinutes", number(&Settings::sessionIdleMinutes, 1, 24 * 60)},
        {"web.sessionMaxHours", number(&Settings::sessionMaxHours, 1, 7 * 24)},
        {"drafts.maxBytes", number(&Settings::draftMaxBytes, 1024, 16 << 20)},
        {"drafts.perOffice", number(&Settings::draftsPerOffice, 1, 100000)},
        {"drafts.keepDays", number(&Settings::draftKeepDays, 1, 3660)},
        {"log.format", oneOf(&Settings::logFormat, {"text", "json"})},
        {"inbound.maxBytes", number(&Settings::inboundMaxBytes, 1024, 256 << 20)},
        {"inbound.maxPages", number(&Settings::inboundMaxPages, 1, 1000)},
        {"inbound.maxPixelsPerPage", number(&Settings::inboundMaxPixelsPerPage, 100000, 100'000'000)},
    };
    return kSetters;
}

// Edits (insert, delete, replace) between a and b, capped at 3.
int editDistance(const std::string& a, const std::string& b) {
    if (a.size() > b.size() + 3 || b.size() > a.size() + 3) return 3;
    std::vector<int> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
    for (size_t i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = static_cast<int>(i);
        for (size_t j = 1; j <= b.size(); ++j) {
            const int up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return std::min(row[b.size()], 3);
}

std::string unknownKey(const std::string& key) {
    std::string best;
    int bestDistance = 3;
    for (const auto& [known, setter] : setters()) {
        const int d = Poco::icompare(known, key) == 0 ? 0 : editDistance(known, key);
        if (d < bestDistance) {
            best = known;
            bestDistance = d;
        }
    }
    return best.empty() ? "unknown key" : "unknown key (did you mean " + best + "?)";
}

// The keys of a .properties file in file order, each with its line, as
// Poco's PropertyFileConfiguration reads them: "#" and "!" start comments,
// the key ends at "=" or ":" and is trimmed, a line ending in an odd number
// of backslashes goes on in the next one.
struct ScannedKey {
    std::string key;
    int line = 0;
    std::string value;  // the rest of the line, trimmed, escapes left as written
};

std::vector<ScannedKey> scanKeys(const std::string& path) {
    std::vector<ScannedKey> keys;
    try {
        Poco::FileInputStream in(path);
        std::string line;
        int number = 0;
        bool continued = false;
        while (std::getline(in, line)) {
            ++number;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const bool wasContinued = continued;
            size_t backslashes = 0;
            while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
            continued = backslashes % 2 == 1;
            if (wasContinued) continue;
            const std::string trimmed = Poco::trimLeft(line);
            if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == '!') {
                continued = false;  // a comment never continues
                continue;
            }
            const size_t separator = trimmed.find_first_of("=:");
            keys.push_back({Poco::trim(trimmed.substr(0, separator)), number,
                            separator == std::string::npos ? "" : Poco::trim(trimmed.substr(separator + 1))});
        }
    } catch (const Poco::Exception&) {
        keys.clear();  // readSettings reports the unreadable file
    }
    return keys;
}

// Poco's reader with its whole keys in view: its hierarchical keys() walk
// would skip a key that is also the start of another (a.b beside a.b.c).
class PropertyFile : public Poco::Util::PropertyFileConfiguration {
public:
    explicit PropertyFile(const std::string& path) : PropertyFileConfiguration(path) {}
    using MapConfiguration::begin;
    using MapConfiguration::end;
};

}  // namespace

std::string ConfigProblem::toString() const {
    std::string out;
    if (!file.empty()) out += file + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
    if (!key.empty()) out += key.rfind("--", 0) == 0 ? key + " \"" + value + "\": " : key + " = \"" + value + "\": ";
    else if (!value.empty()) out += "\"" + value + "\": ";
    return out + message;
}

std::string applySetting(Settings& settings, const std::string& key, const std::string& value,
                         const std::string& relativeTo) {
    auto it = setters().find(key);
    if (it == setters().end()) return unknownKey(key);
    return it->second(settings, value, Poco::Path::forDirectory(relativeTo).makeAbsolute());
}

std::map<std::string, int> keyLines(const std::string& path) {
    std::map<std::string, int> lines;
    for (const auto& k : scanKeys(path)) lines[k.key] = k.line;
    return lines;
}

Settings readSettings(const std::string& path, std::vector<ConfigProblem>& problems, Settings s) {
    Poco::AutoPtr<PropertyFile> file;
    try {
        file = new PropertyFile(path);
    } catch (const Poco::Exception& e) {
        problems.push_back({path, 0, "", "", "cannot read it: " + e.displayText()});
        return s;
    }
    const Poco::Path folder = Poco::Path(path).makeAbsolute().makeParent();
    std::vector<ConfigProblem> found;
    const std::vector<ScannedKey> scanned = scanKeys(path);
    std::map<std::string, int> lastLine;
    for (const auto& k : scanned) lastLine[k.key] = k.line;
    for (const auto& k : scanned)
        if (lastLine[k.key] != k.line)
            found.push_back({path, k.line, k.key, k.value, "given again on line " + std::to_string(lastLine[k.key])});
    // Every key as Poco stored it, whole.
    for (auto it = file->begin(); it != file->end(); ++it) {
        const std::string& key = it->first;
        const int line = lastLine.count(key) ? lastLine[key] : 0;
        auto setter = setters().find(key);
        std::string why = setter == setters().end() ? unknownKey(key) : setter->second(s, it->second, folder);
        if (!why.empty()) found.push_back({path, line, key, it->second, why});
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
    problems.insert(problems.end(), found.begin(), found.end());
    return s;
}

common::Result<Settings> loadSettings(const std::string& path, Settings base) {
    std::vector<ConfigProblem> problems;
    Settings s = readSettings(path, problems, base);
    std::string message;
    for (const auto& p : problems)
        if (p.stopsServer) message += (message.empty() ? "" : "; ") + p.toString();
    if (message.empty()) return s;
    if (problems.size() == 1 && problems[0].line == 0 && problems[0].key.empty())
        return common::Status::ioError(message);
    return common::Status::invalidArgument(message);
}

std::string defaultConfigPath() { return Poco::File(kDefaultConfigFile).exists() ? kDefaultConfigFile : ""; }

}  // namespace config
