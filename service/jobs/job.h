// The job record: one accepted form submission and where it is on its way to
// the printer or fax spool. Plain data, safe to copy between threads; the
// JobStore (job_store.h) is the only place that persists it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace jobs {

// Where a job is. A job ends in Sent, Failed or Cancelled; Failed can be
// retried (back to Accepted or Rendered). canTransition() lists the allowed moves.
enum class JobState { Accepted, Rendering, Rendered, Held, Spooled, Sent, Failed, Cancelled };

// Lowercase English name stored in the database and shown in the API: "accepted", "rendering", ...
std::string stateName(JobState state);
// Inverse of stateName(); nullopt for an unknown name.
std::optional<JobState> parseState(const std::string& name);

// True when a job may move from `from` to `to`. Never true for from == to, so
// a second "spooled" for the same job is refused (see JobStore::transition):
//   accepted  -> rendering, rendered, held, failed
//   rendering -> rendered, held, failed, accepted (re-queued after a crash)
//   rendered  -> spooled, held, failed
//   held      -> accepted, rendered, spooled, failed, cancelled
//   spooled   -> sent, failed
//   failed    -> accepted, rendered (retry)
// Only a held job (a fax in its undo window) can be cancelled: once it has
// left "held" it may already be in the gateway's hands.
//   sent, cancelled -> nothing
bool canTransition(JobState from, JobState to);

// How a job leaves the service: to the print spool folder (or a CUPS queue),
// or through the fax gateway.
enum class Channel { Print, Fax };

// "print" or "fax": stored in the database, shown in the API, and the name of
// the channel's spool folder.
std::string channelName(Channel channel);
// Inverse of channelName(); nullopt for anything else.
std::optional<Channel> parseChannel(const std::string& name);

// True for the states a restarted service must pick up again: accepted,
// rendering, rendered and held.
bool isUnfinished(JobState state);

struct Job {
    std::string id;           // 32 lowercase hex digits (common::newJobId)
    std::string sheetId;      // template id, e.g. "admission-info"
    Channel channel = Channel::Print;
    std::string destination;  // printer name or fax number; may be empty
    JobState state = JobState::Accepted;
    std::string requestJson;  // the accepted request body, canonical JSON
    std::string requestHash;  // lowercase hex SHA-256 of requestJson
    std::optional<std::string> idempotencyKey;  // from the Idempotency-Key header; never empty
    std::optional<std::string> patientRef;      // for search; never empty
    int pageCount = 0;
    std::string warningsJson = "[]";  // JSON array of {field, code, message}
    std::string errorCode;            // empty unless the job failed
    std::string errorMessage;
    int attempt = 0;  // retries so far: +1 each time the job leaves Failed
    std::string office;              // the office (partner id) that submitted it; "" before access control
    std::string deliveryJson = "{}";  // JSON object: channel details (partner, fax number, mask, results)
    long long heldUntilUs = 0;       // held fax jobs: when the hold window ends
    std::string sentAt;              // ISO 8601 +09:00 when the gateway or printer reported success; "" before
    // JSON object of the last receipt confirmation as earlier versions kept it, "" if none. Receipt
    // confirmations are now only "receipt_confirmed" events (app/delivery_records.h).
    std::string receiptJson;
    // The reply reference printed on every page (reply/reply_ref.h), stored
    // form; "" for jobs accepted before issue 18. Kept in reply_refs.
    std::string replyRef;
    // Set by the store from its Clock; ignored on create(), and createdAtUs
    // taken as it is by createRendered().
    std::string createdAt;  // ISO 8601 +09:00
    std::string updatedAt;  // ISO 8601 +09:00
    long long createdAtUs = 0;  // microseconds since the Unix epoch
};

// Extra columns to change together with a state transition, in the same
// transaction. Unset fields keep their value.
// A rendered copy to freeze (JobChanges::documents).
struct FrozenDocument {
    std::string format;  // "pdf", "xlsx" or "fax_pdf"
    std::string bytes;
};

struct JobChanges {
    std::optional<int> pageCount;
    std::optional<std::string> warningsJson;  // JSON array
    std::optional<std::string> errorCode;
    std::optional<std::string> errorMessage;
    std::optional<std::string> deliveryJson;  // JSON object
    std::optional<long long> heldUntilUs;
    std::optional<std::string> sentAt;
    std::optional<std::string> receiptJson;  // JSON object
    // Frozen in the same transaction, by the rules of JobStore::putDocument.
    std::vector<FrozenDocument> documents;
};

// One entry of a job's history. Events are only ever appended.
struct Event {
    long long seq = 0;  // increases with every event in the store
    std::string jobId;
    std::string kind;        // accepted, rendered, held, spooled, sent, failed, retried, cancelled,
                             // downloaded, receipt_confirmed, delivered, ...
    std::string at;          // ISO 8601 +09:00
    std::string actor;       // who caused it: a user id, "system", "recovery"
    std::string detailJson;  // JSON object, "{}" when there is nothing to add
};

// Search criteria for JobStore::list(); unset fields match everything.
struct JobFilter {
    std::optional<std::string> sheetId;
    std::optional<std::string> state;  // a stateName(); anything else is InvalidArgument
    std::optional<std::string> destination;
    std::optional<std::string> patientRef;
    std::optional<std::string> office;
    std::optional<Channel> channel;
    std::optional<long long> fromUs;  // created_at_us >= fromUs
    std::optional<long long> toUs;    // created_at_us < toUs
    int limit = 50;                   // 1..kMaxListLimit
    int offset = 0;                   // >= 0
};

// One access to the API, for the audit trail (医療情報システムの安全管理に関するガイドライン).
// One audited access, or (count > 1, or route "(any)") the unauthenticated
// requests one client address made in one window with one answer, e.g. 57
// failed authentications from 10.0.0.5 between 12:03 and 12:04.
struct AuditEntry {
    long long seq = 0;
    std::string at;        // set by the store
    long long atUs = 0;    // set by the store, unless appendAudit is given one (a window's start)
    std::string office;    // id of the token's office, "" when unauthenticated
    std::string role;      // "submitter", "admin" or "" when unauthenticated
    std::string method;    // "" for an aggregated row
    std::string route;     // the route pattern or the path; "(any)" for an aggregated row
    std::string jobId;     // "" when the route names no job
    std::string client;    // client address; "*" for addresses past the tracking limit
    int status = 0;        // HTTP status answered
    int count = 1;         // requests this row stands for
    std::string tokenName;  // the token's name in the tokens file ("local" for the open API, "" when unauthenticated)
};

struct AuditFilter {
    std::optional<std::string> office;
    std::optional<std::string> jobId;
    std::optional<long long> fromUs;
    std::optional<long long> toUs;
    int limit = 100;  // 1..kMaxListLimit
    int offset = 0;
};

// Largest page JobStore::list() returns.
constexpr int kMaxListLimit = 500;

}  // namespace jobs
