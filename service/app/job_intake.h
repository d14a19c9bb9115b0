// JobIntake: accepts a job. submit() checks the request (every problem at
// once), answers a repeated Idempotency-Key with the job it made before,
// refuses the same submission within the duplicate window, renders the job
// and commits it with its frozen documents in one transaction, then hands it
// to the delivery. Nothing is stored for a request that is refused, so a
// 201 is only sent for a job that survives a crash.
// Thread-safe: submissions take turns in arrival order (a TurnPool), and the
// store's unique idempotency key settles a race between two equal requests.
#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <mutex>
#include <string>

#include "app/document_service.h"
#include "app/job_composer.h"
#include "app/job_delivery.h"
#include "app/job_request.h"
#include "app/turn_pool.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/job_store.h"
#include "offices/office_directory.h"
#include "partners/partner_registry.h"
#include "xlsx_import/workbook_reader.h"

namespace app {

struct IntakeOptions {
    long long duplicateWindowSeconds = 600;            // jobs.duplicateWindowSeconds
    long long idempotencyKeepSeconds = 7 * 24 * 3600;  // jobs.idempotencyKeepSeconds
    int concurrentSubmissions = 0;                     // jobs.concurrent: 0 = three per core
    int submissionQueue = 64;                          // jobs.queue
    xlsx_import::ReadLimits workbookLimits;            // xlsx.importMax*: a job's "workbook"
    // Tests only: called on reaching a named step (JobServiceOptions sets it).
    std::function<void(const std::string& step)> stepHook;
};

struct SubmitResult {
    jobs::Job job;
    bool replayed = false;  // true when an Idempotency-Key returned an earlier job
};

class JobIntake {
public:
    // Everything given must outlive the intake.
    JobIntake(const DocumentService& documents, jobs::JobStore& store, const partners::PartnerRegistry& partners,
              const offices::OfficeRegistry& offices,
              JobComposer& composer, JobDelivery& delivery, const common::Clock& clock, IntakeOptions options,
              JobLimits limits);
    JobIntake(const JobIntake&) = delete;
    JobIntake& operator=(const JobIntake&) = delete;

    // Fills each sheet's sender block from the office's profile
    // (sender_block.h), checks the request, renders it, stores the job with
    // its frozen documents, then spools it (print) or holds it (fax). The job
    // stores the request as filled in. Idempotency keys and duplicates are
    // the office's own. Errors: NotFound (unknown sheet), InvalidArgument
    // (every field error, sender fields included), Conflict with reason
    // "idempotency_key_reused" or "duplicate_submission" and the earlier
    // job's id, or "unknown_office" (the office left the registry), Unavailable (every render worker busy and
    // the queue full; nothing is stored), StorageFull (the disk is full;
    // nothing is stored), IOError. A job whose render failed is stored and
    // returned in state failed; a job stored but not yet sent out (the spool
    // could not be written) is returned in state rendered and sent out later
    // by JobDelivery::redeliverDue().
    common::Result<SubmitResult> submit(const Poco::JSON::Object::Ptr& request, const std::string& idempotencyKey,
                                        const std::string& office, const std::string& actor);

    // The turns submissions take, for the metrics.
    const TurnPool& submissionPool() const { return submissions_; }

private:
    // Renders a new job (its request checked, its fields set), stores it with
    // its frozen documents, and sends it out (submit's second half).
    common::Result<SubmitResult> accept(jobs::Job& job, const JobRequest& request, const std::string& actor);

    const DocumentService& documents_;
    jobs::JobStore& store_;
    const partners::PartnerRegistry& partners_;
    const offices::OfficeRegistry& offices_;  // the sender block of each sheet
    JobComposer& composer_;
    JobDelivery& delivery_;
    const common::Clock& clock_;
    const IntakeOptions options_;
    const JobLimits limits_;
    // Submissions in progress take turns in arrival order: with few of them
    // at once, each passes the store's lock soon and the latency stays even.
    TurnPool submissions_;
    std::mutex purgeMutex_;
    long long lastPurgeUs_ = 0;  // last purge of old idempotency keys; guarded by purgeMutex_
};

}  // namespace app
