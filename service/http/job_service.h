// JobService: the life of a job, from an accepted request to a PDF in the
// spool. submit() commits the job before anything is rendered, so a 201 is
// only ever sent for a job that survives a crash; recover() finishes at start
// what a crash interrupted, without spooling anything twice.
// Thread-safe: the store serialises writes, and one job is processed by one
// thread (the request that created it, or recover() before the server listens).
#pragma once

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "http/document_service.h"
#include "jobs/job_store.h"
#include "spool/spool.h"

namespace http {

struct JobServiceOptions {
    long long duplicateWindowSeconds = 600;  // jobs.duplicateWindowSeconds
    long long idempotencyKeepSeconds = 7 * 24 * 3600;  // jobs.idempotencyKeepSeconds
};

struct SubmitResult {
    jobs::Job job;
    bool replayed = false;  // true when an Idempotency-Key returned an earlier job
};

class JobService {
public:
    JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
               const common::Clock& clock, JobServiceOptions options);

    // Checks the request (sheet, fields, delivery), stores the job, renders
    // it and spools it. Errors: NotFound (unknown sheet), InvalidArgument (bad
    // fields, with every field error), Conflict (idempotency key reused with
    // another body, or the same submission within the duplicate window —
    // the message names the earlier job), IOError. A job that was stored but
    // could not be rendered or spooled is returned in state failed, not as an
    // error: it exists and can be inspected.
    common::Result<SubmitResult> submit(const Poco::JSON::Object::Ptr& request, const std::string& idempotencyKey,
                                        const std::string& actor);

    // Renders and spools a stored job that is not finished. Safe to call again
    // after a crash at any point: it never spools a job twice.
    common::Status process(const jobs::Job& job, const std::string& actor);

    // Finishes every unfinished job; returns how many were handled.
    common::Result<int> recover();

    // The job's frozen document. format "pdf" or "xlsx"; the XLSX is rendered
    // and frozen on first download. NotFound for an unknown job or a job not
    // rendered yet.
    common::Result<RenderedDocument> document(const jobs::Job& job, Format format, const std::string& actor);

    jobs::JobStore& store() { return store_; }

private:
    struct Parsed;
    common::Result<Parsed> parse(const Poco::JSON::Object::Ptr& request) const;
    common::Result<RenderedDocument> renderJob(const jobs::Job& job, Format format) const;
    common::Status spoolJob(const jobs::Job& job, const std::string& pdf, int pageCount, const std::string& actor);

    const DocumentService& documents_;
    jobs::JobStore& store_;
    spool::Spool& spool_;
    const common::Clock& clock_;
    JobServiceOptions options_;
};

// The job as the API shows it.
Poco::JSON::Object::Ptr jobToJson(const jobs::Job& job);

}  // namespace http
