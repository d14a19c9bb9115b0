// CupsPrinter: the print channel's CUPS mode. Submits a finished PDF to one
// CUPS queue through libcups (IPP to cupsd) and reads back the state of the
// jobs it submitted, so a print job can follow what CUPS does with it.
// Thread safety: a CupsPrinter holds only its settings. Every call opens its
// own connection to cupsd and reads libcups' error state, which libcups keeps
// per thread, on the calling thread right after the request; so calls are
// safe from any thread at once. Nothing here changes libcups' defaults
// (no cupsSetServer), so other libcups users in the process are unaffected.
// The process must ignore SIGPIPE (main.cpp does): libcups writes to its
// socket with plain send(), and a cupsd that dies mid-request would
// otherwise kill the process.
#pragma once

#include <string>

#include "common/status.h"

namespace spool {

// What CUPS is doing with a job, from its IPP job-state.
enum class CupsJobPhase {
    Pending,     // queued, or held (job-state pending-held; see the reason)
    Processing,  // being filtered or sent to the printer
    Completed,   // the printer took all of it
    Stopped,     // processing-stopped: the queue or printer is paused or jammed; may resume
    Cancelled,   // cancelled by a user or operator, or by a backend that gave up
    Aborted,     // aborted by CUPS, e.g. a filter failed and ErrorPolicy is abort-job
};

// "pending", "processing", "completed", "stopped", "cancelled", "aborted".
std::string cupsJobPhaseName(CupsJobPhase phase);

struct CupsJobState {
    CupsJobPhase phase = CupsJobPhase::Pending;
    // For people and logs, not for parsing: the printer's last message for the
    // job (job-printer-state-message) if any, then the job-state-reasons
    // keywords, e.g. "job-completed-successfully". May be empty.
    std::string reason;
    // True once CUPS will not change the job any more: completed, cancelled
    // or aborted. A stopped job can still resume.
    bool isFinal() const;
};

class CupsPrinter {
public:
    // queue: the CUPS destination name, as `lpstat -p` lists it.
    // server: where cupsd is. Empty means libcups' default for the calling
    // thread (CUPS_SERVER, then client.conf, then the local socket);
    // "/path/to/cups.sock" is a domain socket; otherwise "host" or
    // "host:port" ("[v6addr]:port"), port 631 when omitted.
    // timeoutMs bounds connecting and each wait for cupsd's answer.
    explicit CupsPrinter(std::string queue, std::string server = "", int timeoutMs = 10000);

    // Submits the PDF at pdfPath (document-format application/pdf) to the
    // queue as one job named title, and returns its CUPS job id (> 0).
    // CUPS reads the file during the call; the caller may delete it after.
    // title appears in CUPS's job history, logs and any banner page, so it
    // must not carry patient data: pass the Renkei job id. It must be 1 to 64
    // of [A-Za-z0-9._-], else InvalidArgument before anything is sent.
    // IOError when the file cannot be read, or with CUPS's error text and the
    // queue when cupsd refuses the job (no such queue, bad document).
    // Unavailable when cupsd cannot be reached or the queue is not accepting
    // jobs: try again later.
    common::Result<int> submit(const std::string& pdfPath, const std::string& title) const;

    // The current state of a CUPS job. Job ids are per cupsd, not per queue;
    // the queue is not checked. NotFound when cupsd does not know the id (never
    // submitted, or already purged from its job history). Unavailable when
    // cupsd cannot be reached; IOError with CUPS's error text otherwise.
    common::Result<CupsJobState> state(int cupsJobId) const;

    // Whether cupsd answers and knows the queue (IPP Get-Printer-Attributes),
    // for the readiness check. OK also for a stopped queue: jobs wait there
    // and resume, which the job states show. Unavailable when cupsd cannot
    // be reached, NotFound when it has no such queue, IOError otherwise.
    common::Status checkQueue() const;

    const std::string& queue() const { return queue_; }
    // The server as given, or "(default)" when empty; for messages.
    std::string serverName() const;

private:
    std::string queue_;
    std::string server_;
    int timeoutMs_;
};

}  // namespace spool
