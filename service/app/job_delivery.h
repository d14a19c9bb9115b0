// JobDelivery: takes a rendered job out of the service. A fax first waits in
// "held" for its hold window (the "undo send"); then it is composed (its
// cover says when it was handed over) and written with its control file to
// the fax gateway's spool. A print job goes to the print spool folder, or to
// a CUPS queue when one is configured, with the intent recorded first so a
// crash never prints it twice. A job that could not be sent out (e.g. the
// disk was full) stays rendered and is tried again with backoff
// (redeliverDue). Thread-safe: one delivery of a job runs at a time, and
// every state change is a checked transition in the store.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "app/claim_renewer.h"
#include "app/job_composer.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "common/status.h"
#include "jobs/job_store.h"
#include "spool/cups_printer.h"
#include "spool/spool.h"

namespace app {

struct DeliveryOptions {
    long long faxHoldSeconds = 60;  // fax.holdSeconds: 0 sends a fax at once
    int redeliverFirstMs = 1000;    // spool.retryFirstMs
    int redeliverMaxMs = 60000;     // spool.retryMaxMs
    // Several instances on one database (issue 20): a job is handed over only
    // under a claim in the store, held by `owner` (this instance: host and
    // data folder, so a restarted instance resumes its own claims) for
    // claimMs at a time (jobs.claimSeconds). takeOverExpired (spool.shared):
    // another instance's claim that ran out may be taken over, because the
    // spool it wrote to is this one's too, and a file already there is never
    // written twice; with spools of their own, only the owner resumes it.
    // shared: claims are taken at all (jobs.store = postgresql). On SQLite
    // one server owns the data folder (its lock), so there is nobody to
    // claim against, and a claim would only be one more write per job.
    bool shared = false;
    std::string owner = "local";
    long long claimMs = 60000;
    bool takeOverExpired = false;
    // Tests only: called on reaching a named step (JobServiceOptions sets it):
    //   "cups.intent"  the CUPS intent is recorded and the job not yet submitted.
    //   "spool.write"  a job is about to be written to the spool.
    //   "claims.renewed"  (shared) a round of claim renewals ended (ClaimRenewer's thread).
    std::function<void(const std::string& step)> stepHook;
};

class JobDelivery {
public:
    // fs: where the file CUPS reads is written (the spool has its own).
    // printer: when not null, print jobs go to this CUPS queue instead of the
    // print spool folder. Everything given must outlive the delivery.
    JobDelivery(jobs::JobStore& store, spool::Spool& spool, JobComposer& composer, const common::Clock& clock,
                common::FileSystem& fs, DeliveryOptions options, const spool::CupsPrinter* printer = nullptr);
    JobDelivery(const JobDelivery&) = delete;
    JobDelivery& operator=(const JobDelivery&) = delete;

    // Holds a rendered fax job for its undo window, or delivers the job.
    // rendered: the outgoing PDF when at hand; empty reads the frozen copy.
    // A failure leaves the job rendered and due for redeliverDue().
    common::Status sendOut(const jobs::Job& job, const std::string& actor, const std::string& rendered);
    // Delivers a rendered job now (no hold window), one delivery of a job at
    // a time: Unavailable while another thread delivers it, Conflict unless
    // the job is rendered or while another instance holds its claim (that
    // instance delivers it). A failure makes the job due for redeliverDue(); a
    // success forgets its backoff. A fax whose composition cannot succeed
    // (anything but busy, a full disk or an I/O error) is failed.
    // rendered: the outgoing PDF when at hand; empty reads the frozen copy.
    common::Status deliver(const jobs::Job& job, const std::string& actor, const std::string& rendered = {});

    // Hands every fax job whose hold window has ended to the gateway. Claims
    // each (held -> rendered) before it writes anything, so of a cancel and
    // this claim exactly one wins. Returns how many went out.
    common::Result<int> releaseDueHeld();
    // Sends out again every job that stayed rendered because sending it out
    // failed (a full disk, a spool write error) and whose backoff has ended:
    // the first retry after redeliverFirstMs, then twice as long each time up
    // to redeliverMaxMs. Only jobs whose own attempt failed are picked up, so
    // a submission still on its way to the spool is never raced. Returns how
    // many went out.
    common::Result<int> redeliverDue();
    // True while the job waits for its next try here (redeliverDue), so
    // that taking over orphans does not bypass its backoff.
    bool waiting(const std::string& jobId);

private:
    // deliverOnce() under the job's claim, on the job as the store holds it
    // once claimed.
    common::Status deliverClaimed(const jobs::Job& job, const std::string& actor, const std::string& rendered);
    common::Status deliverOnce(const jobs::Job& job, const std::string& actor, const std::string& rendered);
    common::Status deliverToCups(const jobs::Job& job, const std::string& actor);
    // Records how sending a job out ended: a failure starts or lengthens its
    // backoff and is logged (the first time, then at most once a minute per
    // job); a success after failures is logged and forgets the job.
    void noteSendOut(const std::string& jobId, const common::Status& outcome);
    void step(const std::string& name) const {
        if (options_.stepHook) options_.stepHook(name);
    }

    jobs::JobStore& store_;
    spool::Spool& spool_;
    JobComposer& composer_;
    const common::Clock& clock_;
    common::FileSystem& fs_;
    const DeliveryOptions options_;
    const spool::CupsPrinter* printer_;

    // A job that could not be sent out, waiting for its next try.
    struct Undelivered {
        long long dueUs = 0;       // next try at or after this time
        long long delayMs = 0;     // the wait before dueUs; doubles with each failure
        int failures = 0;
        long long loggedUs = 0;    // last log line about this job
    };
    std::mutex mutex_;
    std::map<std::string, Undelivered> undelivered_;  // by job id; guarded by mutex_
    std::set<std::string> delivering_;                // jobs in deliverOnce now; guarded by mutex_
    std::unique_ptr<ClaimRenewer> renewer_;           // when shared: keeps claims alive through slow hand-overs
};

}  // namespace app
