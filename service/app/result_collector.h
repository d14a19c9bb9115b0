// ResultCollector: learns how a job that left the service ended. It reads
// the result files the fax gateway and the print consumer leave in the spool
// (done/ and failed/, docs/fax-gateway.md) and follows the jobs submitted to a
// CUPS queue, and moves each spooled job to sent or failed with what was
// reported. What cannot be read or recorded is logged and looked at again
// the next round. Called by the dispatcher every round; thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "app/failure_log.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/job_store.h"
#include "spool/cups_printer.h"
#include "spool/spool.h"

namespace app {

class ResultCollector {
public:
    // printer: the CUPS queue print jobs went to, or null. Everything given
    // must outlive the collector.
    ResultCollector(jobs::JobStore& store, spool::Spool& spool, const common::Clock& clock,
                    const spool::CupsPrinter* printer = nullptr);
    ResultCollector(const ResultCollector&) = delete;
    ResultCollector& operator=(const ResultCollector&) = delete;

    // Reads the gateway's and printer's result files and the CUPS jobs, and
    // moves jobs to sent or failed. Returns how many jobs changed, or the
    // error of a spool folder that could not be read. A result file that is
    // not yet complete JSON is looked at again next time.
    common::Result<int> collect();

private:
    // Moves print jobs along with CUPS: completed -> sent, cancelled or
    // aborted -> failed. Returns how many changed.
    int followCups();

    jobs::JobStore& store_;
    spool::Spool& spool_;
    const common::Clock& clock_;
    const spool::CupsPrinter* printer_;
    std::mutex mutex_;
    std::set<std::string> settled_;  // "<id>#<sha256 of the result>" already handled; guarded by mutex_
    FailureLog failures_;
};

}  // namespace app
