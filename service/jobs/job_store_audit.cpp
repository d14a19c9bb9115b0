// The audit trail's part of JobStore (job_store.h): its rows live in the same
// file and under the same lock as the jobs, but are written and read only here.
#include "jobs/job_store.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "jobs/store_sql.h"

namespace jobs {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Statement;

Status JobStore::appendAudit(const AuditEntry& e) {
    if (e.count < 1) return Status::invalidArgument("audit entry count must be at least 1");
    return durable(guarded("append audit entry", [&]() -> Status {
        Lease lease = backend_->lease();
        const Poco::Timestamp t = e.atUs > 0 ? Poco::Timestamp(e.atUs) : clock_.now();
        *lease << sql(*lease,
                      "INSERT INTO audit (at, at_us, office, role, method, route, job_id, client, status, request_count,"
                      " token_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            bind(common::isoJst(t)), bind(static_cast<Poco::Int64>(t.epochMicroseconds())), bind(e.office),
            bind(e.role), bind(e.method), bind(e.route), bind(e.jobId), bind(e.client), bind(e.status),
            bind(e.count), bind(e.tokenName), now;
        return Status::ok();
    }), Sync::Deferred);
}

Result<std::vector<AuditEntry>> JobStore::audit(const AuditFilter& filter) const {
    if (filter.limit < 1 || filter.limit > kMaxListLimit || filter.offset < 0)
        return Status::invalidArgument("audit limit must be 1.." + std::to_string(kMaxListLimit));
    return guarded("read audit trail", [&]() -> Result<std::vector<AuditEntry>> {
        Lease lease = backend_->lease();
        std::string sql =
            "SELECT seq, at, at_us, office, role, method, route, job_id, client, status, request_count, token_name"
            " FROM audit";
        std::vector<Param> params;
        std::vector<std::string> terms;
        if (filter.office) terms.push_back("office = ?"), params.push_back(*filter.office);
        if (filter.jobId) terms.push_back("job_id = ?"), params.push_back(*filter.jobId);
        if (filter.fromUs) terms.push_back("at_us >= ?"), params.push_back(static_cast<Poco::Int64>(*filter.fromUs));
        if (filter.toUs) terms.push_back("at_us < ?"), params.push_back(static_cast<Poco::Int64>(*filter.toUs));
        for (size_t i = 0; i < terms.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + terms[i];
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?";
        params.push_back(static_cast<Poco::Int64>(filter.limit));
        params.push_back(static_cast<Poco::Int64>(filter.offset));
        Statement st = prepared(*lease, sql, params);
        std::vector<Poco::Int64> seq, atUs;
        std::vector<std::string> at, office, role, method, route, jobId, client, tokenName;
        std::vector<int> status, count;
        st, into(seq), into(at), into(atUs), into(office), into(role), into(method), into(route), into(jobId),
            into(client), into(status), into(count), into(tokenName);
        st.execute();
        std::vector<AuditEntry> out;
        for (size_t i = 0; i < seq.size(); ++i)
            out.push_back({seq[i], at[i], atUs[i], office[i], role[i], method[i], route[i], jobId[i], client[i],
                           status[i], count[i], tokenName[i]});
        return out;
    });
}

}  // namespace jobs
