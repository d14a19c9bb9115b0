// JobService: the life of a job, from an accepted request to a PDF in the
// print or fax spool and the gateway's report. submit() commits the job
// before anything is rendered, so a 201 is only sent for a job that survives
// a crash; recover() finishes at start what a crash interrupted, and nothing
// is ever spooled twice. Fax jobs wait in "held" for the hold window (the
// "undo send"), then the dispatcher hands them to the gateway. A job that
// could not be sent out (e.g. the disk was full) stays rendered and the
// dispatcher tries it again with backoff (redeliverDue).
// Thread-safe: the store serialises writes and every state change is a
// checked transition, so two threads never both move one job forward.
#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "app/document_service.h"
#include "app/job_request.h"
#include "app/turn_pool.h"
#include "jobs/job_store.h"
#include "partners/partner_registry.h"
#include "spool/cups_printer.h"
#include "spool/spool.h"

namespace app {

struct JobServiceOptions {
    long long duplicateWindowSeconds = 600;            // jobs.duplicateWindowSeconds
    long long idempotencyKeepSeconds = 7 * 24 * 3600;  // jobs.idempotencyKeepSeconds
    long long faxHoldSeconds = 60;                     // fax.holdSeconds
    int concurrentSubmissions = 0;                     // jobs.concurrent: 0 = three per core
    int submissionQueue = 64;                          // jobs.queue
    int redeliverFirstMs = 1000;                       // spool.retryFirstMs
    int redeliverMaxMs = 60000;                        // spool.retryMaxMs
    JobLimits limits;
    // Tests only: called by a thread when it reaches a named step, so that a
    // test can pause it there and drive a race deterministically.
    //   "cancel.read"      a cancel has read the job and not yet moved it;
    //   "dispatch.claimed" the dispatcher has claimed a held fax and not yet
    //                      written it to the gateway's spool.
    std::function<void(const std::string& step)> stepHook;
};

struct SubmitResult {
    jobs::Job job;
    bool replayed = false;  // true when an Idempotency-Key returned an earlier job
};

class JobService {
public:
    // printer: when not null, print jobs go to this CUPS queue instead of the
    // print spool folder. It must outlive the service.
    JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
               const partners::PartnerRegistry& partners, const common::Clock& clock, JobServiceOptions options,
               const spool::CupsPrinter* printer = nullptr);

    // Checks the request, renders it, stores the job with its frozen
    // documents, then spools it (print) or holds it (fax). Errors: NotFound
    // (unknown sheet), InvalidArgument (every field error), Conflict
    // (idempotency key reused with another body, or the same submission
    // within the duplicate window), Unavailable (every render worker busy and
    // the queue full; nothing is stored), StorageFull (the disk is full;
    // nothing is stored), IOError. A job whose render failed is stored and
    // returned in state failed; a job stored but not yet sent out (the spool
    // could not be written) is returned in state rendered and sent out later
    // by redeliverDue().
    common::Result<SubmitResult> submit(const Poco::JSON::Object::Ptr& request, const std::string& idempotencyKey,
                                        const std::string& office, const std::string& actor);

    // Renders and spools (or holds) a stored job that is not finished. Safe
    // to call again after a crash at any point: it never spools a job twice.
    common::Status process(const jobs::Job& job, const std::string& actor);
    // Finishes every unfinished job except held ones; returns how many it
    // finished. Those it could not finish are logged, and those that could
    // not be sent out are left to redeliverDue().
    common::Result<int> recover();

    // Hands every fax job whose hold window has ended to the gateway.
    common::Result<int> releaseDueHeld();
    // Sends out again every job that stayed rendered because sending it out
    // failed (a full disk, a spool write error) and whose backoff has ended:
    // the first retry after redeliverFirstMs, then twice as long each time up
    // to redeliverMaxMs. Only jobs whose own attempt failed are picked up, so
    // a submission still on its way to the spool is never raced. Returns how
    // many went out. Called by the dispatcher; safe from any thread.
    common::Result<int> redeliverDue();
    // Reads the gateway's and printer's result files and moves jobs to sent
    // or failed. Returns how many jobs changed.
    common::Result<int> collectResults();

    // Cancels a job still in its hold window: a compare-and-set from held in
    // the store, so of a cancel and the dispatcher's claim exactly one wins.
    // Conflict once the dispatcher has claimed it (or for print jobs, which
    // are spooled at once); a job reported cancelled never reaches a spool.
    common::Status cancel(const std::string& jobId, const std::string& actor);
    // Queues a failed job again as a new attempt. Conflict unless failed.
    common::Status retry(const std::string& jobId, const std::string& actor);
    // Records the receipt confirmation call (time, person spoken to).
    // InvalidArgument for bad input, Conflict before the job went out.
    common::Status confirmReceipt(const std::string& jobId, const Poco::JSON::Object::Ptr& body,
                                  const std::string& actor);

    // The job's frozen document: "pdf" (full data), "xlsx" (rendered and
    // frozen on first download; StorageFull when it cannot be stored), "fax_pdf"
    // (what the gateway got, masked, composed when it was handed over:
    // NotFound while the fax is still held).
    common::Result<std::string> document(const jobs::Job& job, const std::string& format, const std::string& actor);

    jobs::JobStore& store() { return store_; }

private:
    // Renders a new job (its request checked, its fields set), stores it with
    // its frozen documents, and sends it out (submit's second half).
    common::Result<SubmitResult> accept(jobs::Job& job, const JobRequest& request, const std::string& actor);
    common::Result<JobRequest> requestOf(const jobs::Job& job) const;
    struct Rendered;
    // Renders the job's documents; for a fax also the fax, its cover saying
    // it was sent at sentAtIso.
    common::Result<Rendered> renderJob(const jobs::Job& job, const JobRequest& request,
                                       const std::string& sentAtIso) const;
    common::Result<std::string> composeFax(const jobs::Job& job);
    // Holds a rendered fax job for its undo window, or delivers the job.
    // rendered: the outgoing PDF when at hand; empty reads the frozen copy.
    // A failure leaves the job rendered and due for redeliverDue().
    common::Status sendOut(const jobs::Job& job, const std::string& actor, const std::string& rendered);
    // Delivers a rendered job (deliverOnce), one delivery of a job at a time:
    // Unavailable while another thread delivers it. A failure makes the job
    // due for redeliverDue(); a success forgets its backoff.
    // rendered: the outgoing PDF when at hand; empty reads the frozen copy.
    common::Status deliver(const jobs::Job& job, const std::string& actor, const std::string& rendered = {});
    common::Status deliverOnce(const jobs::Job& job, const std::string& actor, const std::string& rendered);
    common::Status deliverToCups(const jobs::Job& job, const std::string& actor);
    int followCups();
    void step(const std::string& name) const {
        if (options_.stepHook) options_.stepHook(name);
    }
    common::Status fail(const jobs::Job& job, const std::string& code, const std::string& message,
                        const std::string& actor);
    // Records how sending a job out ended: a failure starts or lengthens its
    // backoff and is logged (the first time, then at most once a minute per
    // job); a success after failures is logged and forgets the job.
    void noteSendOut(const std::string& jobId, const common::Status& outcome);

    const DocumentService& documents_;
    jobs::JobStore& store_;
    spool::Spool& spool_;
    const partners::PartnerRegistry& partners_;
    const common::Clock& clock_;
    JobServiceOptions options_;
    const spool::CupsPrinter* printer_;
    // Submissions in progress take turns in arrival order: with few of them
    // at once, each passes the store's lock soon and the latency stays even.
    TurnPool submissions_;
    std::mutex resultsMutex_;
    std::set<std::string> settledResults_;  // "<id>#<attempt>" already handled; guarded by resultsMutex_
    long long lastPurgeUs_ = 0;             // guarded by resultsMutex_

    // A job that could not be sent out, waiting for its next try.
    struct Undelivered {
        long long dueUs = 0;       // next try at or after this time
        long long delayMs = 0;     // the wait before dueUs; doubles with each failure
        int failures = 0;
        long long loggedUs = 0;    // last log line about this job
    };
    std::mutex deliveryMutex_;
    std::map<std::string, Undelivered> undelivered_;  // by job id; guarded by deliveryMutex_
    std::set<std::string> delivering_;                // jobs in deliverOnce now; guarded by deliveryMutex_
};

}  // namespace app
