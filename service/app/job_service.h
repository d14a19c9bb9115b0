// JobService: the life of a job, from an accepted request to a PDF in the
// print or fax spool and the gateway's report. It wires the parts that do
// each step and answers for the job as a whole:
//   JobIntake        checks, de-duplicates and accepts a request (submit)
//   JobComposer      renders the job, and the fax with its cover
//   JobDelivery      holds a fax, writes to the spool or CUPS, retries with backoff
//   ResultCollector  reads the gateway's and printer's results
// and itself finishes what a crash interrupted (recover), cancels, retries
// and records the receipt call. submit() commits the job before it is sent
// out, so a 201 is only sent for a job that survives a crash, and nothing is
// ever spooled twice.
// Thread-safe: the store serialises writes and every state change is a
// checked transition, so two threads never both move one job forward.
#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>

#include "app/delivery_records.h"
#include "app/document_service.h"
#include "app/job_composer.h"
#include "app/job_delivery.h"
#include "app/job_intake.h"
#include "app/job_request.h"
#include "app/result_collector.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "common/status.h"
#include "jobs/job_store.h"
#include "partners/partner_registry.h"
#include "spool/cups_printer.h"
#include "spool/spool.h"

namespace app {

struct JobServiceOptions {
    IntakeOptions intake;      // jobs.*
    DeliveryOptions delivery;  // fax.holdSeconds, spool.retry*
    JobLimits limits;          // limits.*, fax.allowAdHocNumbers, fax.defaultMask
    // Tests only: called by a thread when it reaches a named step, so that a
    // test can pause it there and drive a race deterministically.
    //   "cancel.read"      a cancel has read the job and not yet moved it;
    //   "dispatch.claimed" the dispatcher has claimed a held fax and not yet
    //                      written it to the gateway's spool;
    //   "intake.checked"   a submission found no earlier job with its
    //                      Idempotency-Key (nor a duplicate) and has not yet
    //                      stored its own;
    //   "cups.intent"      the intent to submit a print job to CUPS is
    //                      recorded and the job not yet submitted.
    std::function<void(const std::string& step)> stepHook;
};

class JobService {
public:
    // clock and fs: every time the job path reads and every file it writes
    // outside the store and the spool (which has its own FileSystem).
    // printer: when not null, print jobs go to this CUPS queue instead of the
    // print spool folder. Everything given must outlive the service.
    JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
               const partners::PartnerRegistry& partners, const offices::OfficeRegistry& offices,
               const common::Clock& clock, common::FileSystem& fs, JobServiceOptions options,
               const spool::CupsPrinter* printer = nullptr);
    JobService(const JobService&) = delete;
    JobService& operator=(const JobService&) = delete;

    // The turns job submissions take (JobIntake), for the metrics.
    const TurnPool& submissionPool() const { return intake_.submissionPool(); }

    // Accepts a job: see JobIntake::submit().
    common::Result<SubmitResult> submit(const Poco::JSON::Object::Ptr& request, const std::string& idempotencyKey,
                                        const std::string& office, const std::string& actor);

    // Renders and spools (or holds) a stored job that is not finished. Safe
    // to call again after a crash at any point: it never spools a job twice.
    common::Status process(const jobs::Job& job, const std::string& actor);
    // Finishes every unfinished job except held ones; returns how many it
    // finished. Those it could not finish are logged, and those that could
    // not be sent out are left to redeliverDue().
    common::Result<int> recover();

    // The dispatcher's rounds: JobDelivery::releaseDueHeld(),
    // JobDelivery::redeliverDue() and ResultCollector::collect().
    common::Result<int> releaseDueHeld();
    common::Result<int> redeliverDue();
    common::Result<int> collectResults();
    // Takes over what another instance left when it died (issue 20): every
    // unfinished job older than one claim (DeliveryOptions::claimMs) that no
    // live instance claims is processed here, as recover() does at start.
    // Jobs waiting for their own retry here are left to redeliverDue().
    // Returns how many were finished; 0 at once on SQLite (not shared).
    common::Result<int> adoptOrphans();

    // Cancels a job still in its hold window: a compare-and-set from held in
    // the store, so of a cancel and the dispatcher's claim exactly one wins.
    // Conflict once the dispatcher has claimed it (or for print jobs, which
    // are spooled at once); a job reported cancelled never reaches a spool.
    common::Status cancel(const std::string& jobId, const std::string& actor);
    // Queues a failed job again as a new attempt. Conflict unless failed.
    common::Status retry(const std::string& jobId, const std::string& actor);
    // Records a receipt confirmation call (time, person spoken to) as a
    // "receipt_confirmed" event. A second confirmation is a second event; the
    // first is never overwritten. InvalidArgument for bad input, Conflict
    // before the job went out.
    common::Status confirmReceipt(const std::string& jobId, const Poco::JSON::Object::Ptr& body,
                                  const std::string& actor);
    // Records that a printed sheet reached its recipient (by hand, by mail, ...)
    // as a "delivered" event (see deliveredDetail for the body). NotFound for
    // an unknown job; Conflict with refusalCode set (see deliveredRefusal);
    // InvalidArgument naming every bad field.
    struct Recorded {
        common::Status status;
        std::string refusalCode;  // set with a Conflict
    };
    Recorded recordDelivered(const std::string& jobId, const Poco::JSON::Object::Ptr& body, const std::string& actor);

    // The job's frozen document: "pdf" (full data), "xlsx" (rendered and
    // frozen on first download; StorageFull when it cannot be stored), "fax_pdf"
    // (what the gateway got, masked, composed when it was handed over:
    // NotFound while the fax is still held).
    common::Result<std::string> document(const jobs::Job& job, const std::string& format, const std::string& actor);

private:
    void step(const std::string& name) const {
        if (options_.stepHook) options_.stepHook(name);
    }

    jobs::JobStore& store_;
    spool::Spool& spool_;
    const common::Clock& clock_;
    const JobServiceOptions options_;
    // The parts, in the order they are built: each uses those above it.
    JobComposer composer_;
    JobDelivery delivery_;
    JobIntake intake_;
    ResultCollector results_;
};

}  // namespace app
