#include "ops/readiness.h"

#include <Poco/Logger.h>

#include <unistd.h>

#include "ops/gateway_backlog.h"
#include "render/font_metrics.h"

namespace ops {
namespace {

// cupsd on this machine or the office network answers in milliseconds; a
// probe must not hang the orchestrator's check for the print path's 10 s.
constexpr int kCupsTimeoutMs = 3000;

std::string codeOf(const common::Status& status) {
    switch (status.code()) {
    case common::Status::Code::Ok: return "";
    case common::Status::Code::StorageFull: return "storage_full";
    case common::Status::Code::Unavailable: return "unavailable";
    case common::Status::Code::NotFound: return "not_found";
    default: return "io_error";
    }
}

}  // namespace

Readiness::Readiness(app::Application& app) : app_(app) {
    const config::Settings& s = app.settings();
    if (!s.cupsQueue.empty()) cups_ = std::make_unique<spool::CupsPrinter>(s.cupsQueue, s.cupsServer, kCupsTimeoutMs);
}

std::vector<CheckResult> Readiness::check() {
    std::vector<CheckResult> out{checkStore(), checkSpool(), checkFonts()};
    if (cups_) out.push_back(checkCups());
    out.push_back(checkGateway());
    std::lock_guard<std::mutex> lock(mutex_);
    for (const CheckResult& r : out) {
        auto last = lastOk_.find(r.name);
        if (r.ok && last != lastOk_.end() && !last->second)
            Poco::Logger::get("renkei.ready").information("readiness check %s passes again", r.name);
        lastOk_[r.name] = r.ok;
    }
    return out;
}

CheckResult Readiness::result(const std::string& name, const common::Status& status) {
    CheckResult r{name, status.isOk(), codeOf(status), {}};
    if (!r.ok) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto last = lastOk_.find(name);
        if (last == lastOk_.end() || last->second)
            Poco::Logger::get("renkei.ready").warning("readiness check %s fails: %s", name, status.toString());
    }
    return r;
}

common::Status Readiness::probe(const std::string& dir) {
    unsigned long long n;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        n = ++probes_;
    }
    // A dot name: no consumer takes it, and a leftover in tmp/ is removed at
    // the next start (Spool::prepare).
    const std::string path = dir + "/.readyz-" + std::to_string(::getpid()) + "-" + std::to_string(n);
    common::FileSystem& fs = app_.fileSystem();
    common::Status written = fs.writeFileSynced(path, "ready\n");
    common::Status removed = fs.remove(path);
    if (!written) return written;
    if (!removed && removed.code() != common::Status::Code::NotFound) return removed;
    return common::Status::ok();
}

CheckResult Readiness::checkStore() {
    common::Status status = app_.store().checkWritable();
    if (status) status = probe(app_.settings().dataDir);
    return result("store", status);
}

CheckResult Readiness::checkSpool() {
    common::Status status;
    for (const char* channel : {"print", "fax"}) {
        status = probe(app_.spool().path(channel, "tmp"));
        if (!status) break;
        const std::string ready = app_.spool().path(channel, "new");
        if (::access(ready.c_str(), W_OK | X_OK) != 0) {
            status = common::Status::ioError("spool folder " + ready + " is not writable");
            break;
        }
    }
    return result("spool", status);
}

CheckResult Readiness::checkFonts() {
    const render::FontMetrics& fonts = app_.documents().fonts();
    // Text every sheet prints: kana, common kanji, full-width digits.
    bool ok = true;
    for (char32_t c : {U'あ', U'ア', U'様', U'居', U'宅', U'１'}) ok = ok && fonts.hasGlyph(c);
    // A configured fallback font that cannot be opened would print rare
    // name characters as 〓.
    if (ok && !fonts.fallbackPath().empty()) ok = fonts.fontFile(render::FontSlot::Fallback) != nullptr;
    CheckResult r = result("fonts", ok ? common::Status::ok()
                                       : common::Status::ioError("font " + fonts.primaryPath() + " or " +
                                                                 fonts.fallbackPath() +
                                                                 " lacks common glyphs or cannot be read"));
    if (!ok) r.code = "fonts_missing";
    return r;
}

CheckResult Readiness::checkCups() { return result("cups", cups_->checkQueue()); }

CheckResult Readiness::checkGateway() {
    const int maxLag = app_.settings().readyMaxGatewayLagSeconds;
    auto backlog = gatewayBacklog(app_.fileSystem(), app_.spool().path("fax", "new"), app_.clock().now());
    if (!backlog) return result("faxGateway", backlog.status());
    const bool ok = backlog->oldestAgeSeconds <= maxLag;
    CheckResult r = result("faxGateway", ok ? common::Status::ok()
                                            : common::Status::unavailable(
                                                  "the oldest of " + std::to_string(backlog->waiting) +
                                                  " fax(es) has waited " +
                                                  std::to_string(static_cast<long long>(backlog->oldestAgeSeconds)) +
                                                  " s for the gateway"));
    if (!ok) r.code = "gateway_lagging";
    r.values = {{"waiting", backlog->waiting},
                {"oldestAgeSeconds", backlog->oldestAgeSeconds},
                {"maxAgeSeconds", maxLag}};
    return r;
}

}  // namespace ops
