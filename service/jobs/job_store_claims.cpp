// The claims part of JobStore (job_store.h): who may hand a job over, when
// several instances share one database.
#include <Poco/Data/Session.h>

#include "jobs/job_rows.h"
#include "jobs/job_store.h"
#include "jobs/store_backend.h"
#include "jobs/store_sql.h"

namespace jobs {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Session;

Status JobStore::claim(const std::string& jobId, const std::string& owner, long long nowUs, long long untilUs,
                       bool takeOverExpired) {
    if (owner.empty()) return Status::invalidArgument("claim of job " + jobId + " without an owner");
    if (untilUs <= nowUs) return Status::invalidArgument("claim of job " + jobId + " ends before it starts");
    return durable(guarded("claim job " + jobId, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        // The job's row lock orders racing claims: the second reads the first one's row.
        if (!lockJob(s, backend_->dialect(), jobId)) return Status::notFound("no job " + jobId);
        std::vector<std::string> holders;
        std::vector<Poco::Int64> untils;
        s << sql(s, "SELECT owner, until_us FROM claims WHERE job_id = ?"), bind(jobId), into(holders), into(untils),
            now;
        if (!holders.empty() && holders.front() != owner && !(takeOverExpired && untils.front() <= nowUs))
            return Status::conflict("job " + jobId + " is claimed by " + holders.front());
        if (holders.empty())
            s << sql(s, "INSERT INTO claims (job_id, owner, until_us) VALUES (?, ?, ?)"), bind(jobId), bind(owner),
                bind(static_cast<Poco::Int64>(untilUs)), now;
        else
            s << sql(s, "UPDATE claims SET owner = ?, until_us = ? WHERE job_id = ?"), bind(owner),
                bind(static_cast<Poco::Int64>(untilUs)), bind(jobId), now;
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Status JobStore::releaseClaim(const std::string& jobId, const std::string& owner) {
    return durable(guarded("release claim of job " + jobId, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        s << sql(s, "DELETE FROM claims WHERE job_id = ? AND owner = ?"), bind(jobId), bind(owner), now;
        return Status::ok();
    }), Sync::Deferred);  // a claim that outlives a power loss only delays others until it ends
}

Result<std::vector<Job>> JobStore::orphans(const std::string& owner, long long createdBeforeUs, long long nowUs,
                                           bool takeOverExpired, int limit) const {
    return guarded("list orphaned jobs", [&]() -> Result<std::vector<Job>> {
        Lease lease = backend_->lease();
        return selectJobs(*lease,
                          std::string("WHERE state IN ('accepted', 'rendering', 'rendered') AND created_at_us < ?"
                                      " AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.job_id = jobs.id"
                                      " AND c.owner <> ? AND (c.until_us > ? OR ? = 0))"
                                      " ORDER BY created_at_us, ") +
                              order() + " LIMIT ?",
                          {static_cast<Poco::Int64>(createdBeforeUs), owner, static_cast<Poco::Int64>(nowUs),
                           static_cast<Poco::Int64>(takeOverExpired ? 1 : 0), static_cast<Poco::Int64>(limit)});
    });
}

}  // namespace jobs
