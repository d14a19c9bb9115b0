// Small pieces the job classes (intake, composer, delivery, results, service)
// share to write a job's record in the store: JSON as the store keeps it, the
// "rendered" event's detail, failing a job, and logging a step the store did
// not record. Internal to app/; not for the HTTP layer. Pure functions apart
// from failJob() and warnIfFailed(); thread-safe.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "jobs/job_store.h"

namespace app {

// Compact JSON text of a value.
std::string stringify(const Poco::Dynamic::Var& value);
// The JSON object in `json`; an empty object for "". Throws Poco::Exception
// when the text is not a JSON object (the store only keeps what this service
// wrote, so the callers treat that as a broken invariant).
Poco::JSON::Object::Ptr parseObject(const std::string& json);
// The layout's warnings ("code: message") as the job's warnings JSON array.
std::string warningsJson(const std::vector<std::string>& warnings);
// The "rendered" event's detail: {"pages": pageCount}.
std::string renderedDetail(int pageCount);

// Moves the job to failed with an error code and message for the client, and
// a "failed" event. Returns the store's Status (Conflict when the job can no
// longer fail, e.g. it was cancelled meanwhile).
common::Status failJob(jobs::JobStore& store, const jobs::Job& job, const std::string& code,
                       const std::string& message, const std::string& actor);

// Logs (renkei.jobs, warning) "job <id>: <what>: <status>" when status is
// not OK, e.g. what = "not marked failed". For steps whose failure the caller
// cannot act on: the job stays as it was, and the next round or the next
// start takes it up again.
void warnIfFailed(const std::string& jobId, const std::string& what, const common::Status& status);

}  // namespace app
