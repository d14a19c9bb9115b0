#include "jobs/store_schema.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jobs/job_store.h"
#include "jobs/store_sql.h"

namespace jobs {
namespace {

using namespace Poco::Data::Keywords;
using common::Status;
using Poco::Data::Session;

// Version 1: the first schema. A later version is one more function in
// kMigrations; each runs once, in order, inside the migration transaction.
void createSchemaV1(Session& s) {
    s << "CREATE TABLE jobs ("
         " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),"
         " sheet_id TEXT NOT NULL,"
         " channel TEXT NOT NULL CHECK (channel IN ('print', 'fax')),"
         " destination TEXT NOT NULL DEFAULT '',"
         " state TEXT NOT NULL CHECK (state IN ('accepted', 'rendering', 'rendered', 'held', 'spooled',"
         "   'sent', 'failed', 'cancelled')),"
         " request_json TEXT NOT NULL,"
         " request_hash TEXT NOT NULL,"
         " idempotency_key TEXT UNIQUE,"
         " patient_ref TEXT,"
         " page_count INTEGER NOT NULL DEFAULT 0,"
         " warnings_json TEXT NOT NULL DEFAULT '[]',"
         " error_code TEXT NOT NULL DEFAULT '',"
         " error_message TEXT NOT NULL DEFAULT '',"
         " attempt INTEGER NOT NULL DEFAULT 0,"
         " created_at TEXT NOT NULL,"
         " updated_at TEXT NOT NULL,"
         " created_at_us INTEGER NOT NULL)",
        now;
    s << "CREATE INDEX jobs_by_created ON jobs (created_at_us)", now;
    s << "CREATE INDEX jobs_by_sheet ON jobs (sheet_id, created_at_us)", now;
    s << "CREATE INDEX jobs_by_state ON jobs (state, created_at_us)", now;
    s << "CREATE INDEX jobs_by_patient ON jobs (patient_ref, created_at_us) WHERE patient_ref IS NOT NULL", now;
    s << "CREATE INDEX jobs_by_request_hash ON jobs (request_hash, created_at_us)", now;
    s << "CREATE TABLE documents ("
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " format TEXT NOT NULL CHECK (format IN ('pdf', 'xlsx', 'fax_pdf')),"
         " bytes BLOB NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size INTEGER NOT NULL,"
         " created_at TEXT NOT NULL,"
         " PRIMARY KEY (job_id, format))",
        now;
    s << "CREATE TABLE events ("
         " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " kind TEXT NOT NULL,"
         " at TEXT NOT NULL,"
         " actor TEXT NOT NULL,"
         " detail TEXT NOT NULL DEFAULT '{}')",
        now;
    s << "CREATE INDEX events_by_job ON events (job_id, seq)", now;
    // The history is an audit trail of who did what to a patient's sheet:
    // even a hand-run UPDATE must not rewrite it. Deleting stays possible for
    // a future retention purge, which removes whole jobs.
    s << "CREATE TRIGGER events_append_only BEFORE UPDATE ON events"
         " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
        now;
}

// Version 2: delivery (fax partner, hold window, results), receipt
// confirmation, the owning office, and the audit trail of API access.
void addDeliveryAndAudit(Session& s) {
    s << "ALTER TABLE jobs ADD COLUMN office TEXT NOT NULL DEFAULT ''", now;
    s << "ALTER TABLE jobs ADD COLUMN delivery_json TEXT NOT NULL DEFAULT '{}'", now;
    s << "ALTER TABLE jobs ADD COLUMN held_until_us INTEGER NOT NULL DEFAULT 0", now;
    s << "ALTER TABLE jobs ADD COLUMN sent_at TEXT NOT NULL DEFAULT ''", now;
    s << "ALTER TABLE jobs ADD COLUMN receipt_json TEXT NOT NULL DEFAULT ''", now;
    s << "CREATE INDEX jobs_by_office ON jobs (office, created_at_us)", now;
    s << "CREATE INDEX jobs_by_hold ON jobs (state, held_until_us)", now;
    s << "CREATE TABLE audit ("
         " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
         " at TEXT NOT NULL,"
         " at_us INTEGER NOT NULL,"
         " office TEXT NOT NULL,"
         " role TEXT NOT NULL,"
         " method TEXT NOT NULL,"
         " route TEXT NOT NULL,"
         " job_id TEXT NOT NULL DEFAULT '',"
         " client TEXT NOT NULL,"
         " status INTEGER NOT NULL)",
        now;
    s << "CREATE INDEX audit_by_time ON audit (at_us)", now;
    s << "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
         " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
        now;
}

// Version 3: an audit row can stand for many requests (unauthenticated
// traffic is audited per client address, answer and minute).
void addAuditCount(Session& s) {
    s << "ALTER TABLE audit ADD COLUMN request_count INTEGER NOT NULL DEFAULT 1 CHECK (request_count >= 1)", now;
}

// Version 4: offices as tenants. Idempotency keys belong to the office that
// sent them (the column's UNIQUE stays; it now holds "office<US>key", see
// job_rows.h), and the audit trail names the token that was used.
void addOfficeScope(Session& s) {
    s << "UPDATE jobs SET idempotency_key = office || char(31) || idempotency_key WHERE idempotency_key IS NOT NULL",
        now;
    s << "ALTER TABLE audit ADD COLUMN token_name TEXT NOT NULL DEFAULT ''", now;
}

// Version 5 (issue 18): the reply reference printed on every page of a job, so that a
// page faxed back finds its job. Random, so one row per reference; the office
// scopes a reference a person types in the inbox.
void addReplyRefs(Session& s) {
    s << "CREATE TABLE reply_refs ("
         " ref TEXT PRIMARY KEY NOT NULL CHECK (length(ref) = 9),"
         " job_id TEXT NOT NULL UNIQUE REFERENCES jobs (id),"
         " office TEXT NOT NULL)",
        now;
}

// Version 6 (issue 18): faxes received back. Each received file once (by SHA-256, so a
// re-delivered copy is not attached twice), the pages that answer a job as
// its received replies, and pages no job was found for in the inbox.
void addReceivedFaxes(Session& s) {
    s << "CREATE TABLE received_files ("
         " sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),"
         " name TEXT NOT NULL,"
         " outcome TEXT NOT NULL,"
         " processed_at TEXT NOT NULL)",
        now;
    s << "CREATE TABLE received_replies ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " received_at TEXT NOT NULL,"
         " sender TEXT NOT NULL,"
         " pages_json TEXT NOT NULL,"
         " source_sha256 TEXT NOT NULL,"
         " pdf BLOB NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size INTEGER NOT NULL,"
         " created_at TEXT NOT NULL)",
        now;
    s << "CREATE INDEX received_replies_by_job ON received_replies (job_id, id)", now;
    s << "CREATE TRIGGER received_replies_frozen BEFORE UPDATE ON received_replies"
         " BEGIN SELECT RAISE(ABORT, 'received replies are frozen'); END",
        now;
    s << "CREATE TABLE inbox ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " received_at TEXT NOT NULL,"
         " sender TEXT NOT NULL,"
         " office TEXT NOT NULL,"
         " reason TEXT NOT NULL,"
         " reason_message TEXT NOT NULL,"
         " format TEXT NOT NULL CHECK (format IN ('pdf', 'original')),"
         " bytes BLOB NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size INTEGER NOT NULL,"
         " source_name TEXT NOT NULL,"
         " source_sha256 TEXT NOT NULL,"
         " source_page INTEGER NOT NULL,"
         " created_at TEXT NOT NULL)",
        now;
    s << "CREATE INDEX inbox_by_office ON inbox (office, id)", now;
}

// Version 6 on PostgreSQL: the same tables in its types (BIGSERIAL ids,
// BYTEA pages, the frozen rule as a trigger).
void addReceivedFaxesPostgres(Session& s) {
    s << "CREATE TABLE received_files ("
         " sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),"
         " name TEXT NOT NULL,"
         " outcome TEXT NOT NULL,"
         " processed_at TEXT NOT NULL)",
        now;
    s << "CREATE TABLE received_replies ("
         " id BIGSERIAL PRIMARY KEY,"
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " received_at TEXT NOT NULL,"
         " sender TEXT NOT NULL,"
         " pages_json TEXT NOT NULL,"
         " source_sha256 TEXT NOT NULL,"
         " pdf BYTEA NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size BIGINT NOT NULL,"
         " created_at TEXT NOT NULL)",
        now;
    s << "CREATE INDEX received_replies_by_job ON received_replies (job_id, id)", now;
    s << "CREATE TRIGGER received_replies_frozen BEFORE UPDATE ON received_replies"
         " FOR EACH ROW EXECUTE FUNCTION renkei_append_only('received replies')",
        now;
    s << "CREATE TABLE inbox ("
         " id BIGSERIAL PRIMARY KEY,"
         " received_at TEXT NOT NULL,"
         " sender TEXT NOT NULL,"
         " office TEXT NOT NULL,"
         " reason TEXT NOT NULL,"
         " reason_message TEXT NOT NULL,"
         " format TEXT NOT NULL CHECK (format IN ('pdf', 'original')),"
         " bytes BYTEA NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size BIGINT NOT NULL,"
         " source_name TEXT NOT NULL,"
         " source_sha256 TEXT NOT NULL,"
         " source_page INTEGER NOT NULL,"
         " created_at TEXT NOT NULL)",
        now;
    s << "CREATE INDEX inbox_by_office ON inbox (office, id)", now;
}

// The same versions on PostgreSQL: the same tables, columns, checks and
// indexes, in its types. Row order is a `seq` column (SQLite's rowid),
// documents are BYTEA, and append-only is one trigger function.
void createSchemaV1Postgres(Session& s) {
    s << "CREATE TABLE jobs ("
         " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),"
         " seq BIGSERIAL NOT NULL,"
         " sheet_id TEXT NOT NULL,"
         " channel TEXT NOT NULL CHECK (channel IN ('print', 'fax')),"
         " destination TEXT NOT NULL DEFAULT '',"
         " state TEXT NOT NULL CHECK (state IN ('accepted', 'rendering', 'rendered', 'held', 'spooled',"
         "   'sent', 'failed', 'cancelled')),"
         " request_json TEXT NOT NULL,"
         " request_hash TEXT NOT NULL,"
         " idempotency_key TEXT UNIQUE,"
         " patient_ref TEXT,"
         " page_count INTEGER NOT NULL DEFAULT 0,"
         " warnings_json TEXT NOT NULL DEFAULT '[]',"
         " error_code TEXT NOT NULL DEFAULT '',"
         " error_message TEXT NOT NULL DEFAULT '',"
         " attempt INTEGER NOT NULL DEFAULT 0,"
         " created_at TEXT NOT NULL,"
         " updated_at TEXT NOT NULL,"
         " created_at_us BIGINT NOT NULL)",
        now;
    s << "CREATE INDEX jobs_by_created ON jobs (created_at_us)", now;
    s << "CREATE INDEX jobs_by_sheet ON jobs (sheet_id, created_at_us)", now;
    s << "CREATE INDEX jobs_by_state ON jobs (state, created_at_us)", now;
    s << "CREATE INDEX jobs_by_patient ON jobs (patient_ref, created_at_us) WHERE patient_ref IS NOT NULL", now;
    s << "CREATE INDEX jobs_by_request_hash ON jobs (request_hash, created_at_us)", now;
    s << "CREATE TABLE documents ("
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " format TEXT NOT NULL CHECK (format IN ('pdf', 'xlsx', 'fax_pdf')),"
         " bytes BYTEA NOT NULL,"
         " sha256 TEXT NOT NULL,"
         " size BIGINT NOT NULL,"
         " created_at TEXT NOT NULL,"
         " PRIMARY KEY (job_id, format))",
        now;
    s << "CREATE TABLE events ("
         " seq BIGSERIAL PRIMARY KEY,"
         " job_id TEXT NOT NULL REFERENCES jobs (id),"
         " kind TEXT NOT NULL,"
         " at TEXT NOT NULL,"
         " actor TEXT NOT NULL,"
         " detail TEXT NOT NULL DEFAULT '{}')",
        now;
    s << "CREATE INDEX events_by_job ON events (job_id, seq)", now;
    // As on SQLite: not even a hand-run UPDATE may rewrite the history.
    s << "CREATE FUNCTION renkei_append_only() RETURNS trigger LANGUAGE plpgsql AS"
         " $$ BEGIN RAISE EXCEPTION '% are append-only', TG_ARGV[0]; END $$",
        now;
    s << "CREATE TRIGGER events_append_only BEFORE UPDATE ON events"
         " FOR EACH ROW EXECUTE FUNCTION renkei_append_only('events')",
        now;
}

void addDeliveryAndAuditPostgres(Session& s) {
    s << "ALTER TABLE jobs ADD COLUMN office TEXT NOT NULL DEFAULT ''", now;
    s << "ALTER TABLE jobs ADD COLUMN delivery_json TEXT NOT NULL DEFAULT '{}'", now;
    s << "ALTER TABLE jobs ADD COLUMN held_until_us BIGINT NOT NULL DEFAULT 0", now;
    s << "ALTER TABLE jobs ADD COLUMN sent_at TEXT NOT NULL DEFAULT ''", now;
    s << "ALTER TABLE jobs ADD COLUMN receipt_json TEXT NOT NULL DEFAULT ''", now;
    s << "CREATE INDEX jobs_by_office ON jobs (office, created_at_us)", now;
    s << "CREATE INDEX jobs_by_hold ON jobs (state, held_until_us)", now;
    s << "CREATE TABLE audit ("
         " seq BIGSERIAL PRIMARY KEY,"
         " at TEXT NOT NULL,"
         " at_us BIGINT NOT NULL,"
         " office TEXT NOT NULL,"
         " role TEXT NOT NULL,"
         " method TEXT NOT NULL,"
         " route TEXT NOT NULL,"
         " job_id TEXT NOT NULL DEFAULT '',"
         " client TEXT NOT NULL,"
         " status INTEGER NOT NULL)",
        now;
    s << "CREATE INDEX audit_by_time ON audit (at_us)", now;
    s << "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
         " FOR EACH ROW EXECUTE FUNCTION renkei_append_only('the audit trail rows')",
        now;
}

void addOfficeScopePostgres(Session& s) {
    s << "UPDATE jobs SET idempotency_key = office || chr(31) || idempotency_key WHERE idempotency_key IS NOT NULL",
        now;
    s << "ALTER TABLE audit ADD COLUMN token_name TEXT NOT NULL DEFAULT ''", now;
}

// Version 7 (issue 20): claims. Work that must happen once (handing a job to
// the spool or CUPS) is claimed here first, by one instance, until its lease
// ends; several instances may share a PostgreSQL database.
void addClaims(Session& s) {
    s << "CREATE TABLE claims ("
         " job_id TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id),"
         " owner TEXT NOT NULL,"
         " until_us BIGINT NOT NULL)",
        now;
}

struct Migration {
    int version;
    void (*sqlite)(Session&);
    void (*postgres)(Session&);
};
const Migration kMigrations[] = {
    {1, createSchemaV1, createSchemaV1Postgres},
    {2, addDeliveryAndAudit, addDeliveryAndAuditPostgres},
    {3, addAuditCount, addAuditCount},  // the same statement on both
    {4, addOfficeScope, addOfficeScopePostgres},
    {5, addReplyRefs, addReplyRefs},  // the same statement on both
    {6, addReceivedFaxes, addReceivedFaxesPostgres},
    {7, addClaims, addClaims},  // the same statement on both
};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == JobStore::kSchemaVersion,
              "one migration per schema version");

// Any constant of our own: the key of the advisory lock that lets one
// instance at a time migrate a PostgreSQL database.
const long long kMigrationLockKey = 0x52656e6b6569LL;  // "Renkei"

}  // namespace

Status createOwnerOnly(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        return Status::fromErrno(err, "open job store " + path + ": " + std::strerror(err));
    }
    ::close(fd);
    return Status::ok();
}

Status migrate(Session& s, Engine engine, const common::Clock& clock) {
    WriteTransaction tx(s, engine);
    // Instances started together on one database take turns: the second
    // finds the first one's versions recorded and has nothing left to do.
    // The lock ends with the transaction. (SQLite: BEGIN IMMEDIATE already
    // excludes every other writer of the file.)
    if (engine == Engine::PostgreSQL) s << "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")", now;
    s << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        now;
    int current = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(current), now;
    if (current > JobStore::kSchemaVersion)
        return Status::internal("job store schema version " + std::to_string(current) +
                                " is newer than this build supports (" +
                                std::to_string(JobStore::kSchemaVersion) + ")");
    for (const Migration& m : kMigrations) {
        if (m.version <= current) continue;
        (engine == Engine::PostgreSQL ? m.postgres : m.sqlite)(s);
        s << sql(s, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"), bind(m.version),
            bind(common::isoJst(clock.now())), now;
    }
    tx.commit();
    return Status::ok();
}

}  // namespace jobs
