// What the job store refuses before it writes anything: a malformed new job,
// event, frozen document or change (a bad id or hash, JSON of the wrong
// shape, an unknown document format). Each returns InvalidArgument saying
// what is wrong. Pure functions; internal to jobs/.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "jobs/job.h"

namespace jobs {

// The outermost JSON value a text column must hold.
enum class JsonKind { Object, Array };
// True when text is one complete JSON value of that kind.
bool isJson(const std::string& text, JsonKind kind);

common::Status checkEvent(const std::string& kind, const std::string& actor, const std::string& detailJson);
// A document's format is "pdf", "xlsx" or "fax_pdf", and it has bytes.
common::Status checkDocument(const std::string& jobId, const FrozenDocument& d);
common::Status checkDocuments(const std::string& jobId, const std::vector<FrozenDocument>& documents);
// The checks transition() and update() share.
common::Status checkChanges(const std::string& jobId, const JobChanges& changes);
// A job to create in `state`, by `actor`.
common::Status checkNewJob(const Job& job, const std::string& actor, JobState state);

}  // namespace jobs
