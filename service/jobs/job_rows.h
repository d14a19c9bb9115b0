// How jobs, their events and their frozen documents map to rows of the
// jobs, events and documents tables: the statements that select and insert
// them, the WHERE clause of a JobFilter and the UPDATE of a JobChanges. The
// column list and Poco's type handler for a Job live in job_rows.cpp.
// Internal to jobs/; callers hold the store's lock, inside a write
// transaction where they write. Each throws what Poco throws (the store runs
// them inside guarded()).
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Timestamp.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "jobs/job.h"
#include "jobs/store_sql.h"

namespace jobs {

// The jobs matching `tail` ("WHERE ... ORDER BY ...", with ? for params).
std::vector<Job> selectJobs(Poco::Data::Session& s, const std::string& tail, const std::vector<Param>& params);
// The first of them; NotFound with `notFound` as its message when none.
common::Result<Job> selectOneJob(Poco::Data::Session& s, const std::string& tail, const std::vector<Param>& params,
                                 const std::string& notFound);

// Idempotency keys are the office's own: the column holds "office<US>key"
// (US = the unit separator, 0x1F), so two offices may use the same key.
std::string scopedIdempotencyKey(const std::string& office, const std::string& key);

// Conflicts a new job can meet (its id, its idempotency key): checked inside
// the write transaction, so no other writer can slip in between.
common::Status checkUnique(Poco::Data::Session& s, const Job& job);
// The job's row and its "accepted" event, at `created`. False (and nothing
// stored) when its id or idempotency key was stored meanwhile by another
// connection (PostgreSQL; SQLite's write transaction excludes it).
bool insertJob(Poco::Data::Session& s, const Job& job, const std::string& actor, const Poco::Timestamp& created,
               const std::string& updatedAt);
void insertEvent(Poco::Data::Session& s, const std::string& jobId, const std::string& kind, const std::string& at,
                 const std::string& actor, const std::string& detailJson);

// The SHA-256 of each document, computed before the store's lock is taken:
// other threads need not wait for them.
std::vector<std::string> checksums(const std::vector<FrozenDocument>& documents);
// Stores a frozen copy. The same bytes again are fine (rendering is
// repeatable, so a re-render after a crash gives them); different bytes for a
// stored format are a Conflict.
common::Status insertDocument(Poco::Data::Session& s, const std::string& jobId, const FrozenDocument& d,
                              const std::string& sha, const std::string& at);
common::Status insertDocuments(Poco::Data::Session& s, const std::string& jobId,
                               const std::vector<FrozenDocument>& documents, const std::vector<std::string>& shas,
                               const std::string& at);

struct Where {
    std::string sql;  // "" or " WHERE ..."
    std::vector<Param> params;
};
// The filter's conditions. InvalidArgument for an unknown state name.
common::Result<Where> whereClause(const JobFilter& filter);

// One UPDATE for a state change (state "" keeps it) and the changed columns.
// retry: the job leaves Failed, so its attempt counts up and its error clears.
void applyChanges(Poco::Data::Session& s, const std::string& id, const std::string& state, bool retry,
                  const JobChanges& changes, const std::string& at);

}  // namespace jobs
