// Readiness: whether this server can do its work now, for /readyz. Each call
// runs every check for real: the job store takes its write lock and a small
// file is written, synced and removed next to it; the same in the print and
// fax spools' tmp/ folders (their new/ must be writable too); the fonts
// answer for common Japanese text; the CUPS queue answers when
// print.cupsQueue is set; and the oldest fax in spool/fax/new has waited for
// the gateway no longer than ready.maxGatewayLagSeconds.
// A check's result names a stable code, never a path or an OS message: the
// body is served without authentication. The details go to the log
// (renkei.ready) when a check starts or stops failing. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/application.h"
#include "spool/cups_printer.h"

namespace ops {

struct CheckResult {
    std::string name;  // "store", "spool", "fonts", "cups", "faxGateway"
    bool ok = false;
    std::string code;  // when failing: e.g. "storage_full", "unavailable", "gateway_lagging"
    std::vector<std::pair<std::string, double>> values;  // facts, e.g. {"oldestAgeSeconds", 12}
};

class Readiness {
public:
    // The application must outlive the readiness checks.
    explicit Readiness(app::Application& app);
    Readiness(const Readiness&) = delete;
    Readiness& operator=(const Readiness&) = delete;

    // Every check, in a fixed order ("cups" only when a queue is configured).
    std::vector<CheckResult> check();

private:
    CheckResult checkStore();
    CheckResult checkSpool();
    CheckResult checkFonts();
    CheckResult checkCups();
    CheckResult checkGateway();
    // A result from a Status; logs the message when the check changes.
    CheckResult result(const std::string& name, const common::Status& status);
    // Writes, syncs and removes a small file in dir.
    common::Status probe(const std::string& dir);

    app::Application& app_;
    std::unique_ptr<spool::CupsPrinter> cups_;  // null without print.cupsQueue
    std::mutex mutex_;
    std::map<std::string, bool> lastOk_;  // guarded by mutex_; for logging changes only
    unsigned long long probes_ = 0;       // guarded by mutex_; makes probe names unique
};

}  // namespace ops
