// AuditTrail: the record of who used the API (time, office, role, route, job,
// client address, answer), and of the unauthenticated traffic aggregated per
// client address, answer and window (see http/auth_failure_limiter.h). Rows
// are only ever appended. Thread-safe (the store serialises its calls).
#pragma once

#include <vector>

#include "common/status.h"
#include "jobs/job_store.h"

namespace app {

class AuditTrail {
public:
    // The store must outlive the trail.
    explicit AuditTrail(jobs::JobStore& store) : store_(store) {}

    // Appends one access or one aggregated row (see JobStore::appendAudit:
    // it survives a crash of the process, not always a power loss). Returns
    // the store's error; the caller logs it, since the access itself has
    // been answered already.
    common::Status record(const jobs::AuditEntry& entry);
    // Entries matching the filter, newest first. InvalidArgument for a limit
    // outside 1..kMaxListLimit.
    common::Result<std::vector<jobs::AuditEntry>> find(const jobs::AuditFilter& filter) const;

private:
    jobs::JobStore& store_;
};

}  // namespace app
