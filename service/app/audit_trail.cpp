#include "app/audit_trail.h"

namespace app {

common::Status AuditTrail::record(const jobs::AuditEntry& entry) { return store_.appendAudit(entry); }

common::Result<std::vector<jobs::AuditEntry>> AuditTrail::find(const jobs::AuditFilter& filter) const {
    return store_.audit(filter);
}

}  // namespace app
