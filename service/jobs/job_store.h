// JobStore: the durable record of every accepted job, its frozen documents and
// its append-only event history, so a job acknowledged with 201 survives a
// SIGKILL or power loss (see Sync). Two engines, one behaviour: an SQLite
// file (WAL), the embedded default, or a PostgreSQL database that several
// Renkei instances share (store_backend.h).
// Thread safety: every method is safe from any thread. On SQLite the store
// holds one connection behind a mutex, so calls run one at a time; on
// PostgreSQL each call takes one of a pool of connections.
// Every write returns StorageFull instead of IOError when the disk or quota is
// full (SQLITE_FULL, ENOSPC, EDQUOT); its transaction is then rolled back.
// An unreachable PostgreSQL server is Unavailable.
// The store's parts, each in its own file: store_schema (the schema and its
// migrations, per engine), store_backend (connections and durability per
// engine), job_rows (rows and statements), record_checks (what is refused
// before a write), group_commit_log (syncs shared by concurrent commits),
// job_store_audit.cpp (the audit trail) and job_store.cpp (the store proper).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/job.h"
#include "jobs/received_fax.h"

namespace jobs {

class StoreBackend;

// When a write reaches the disk.
enum class Sync {
    // On disk before the call returns (the log is synced after the commit):
    // what a client was told survives a power loss.
    Full,
    // In the WAL before the call returns, so it survives the process being
    // killed, and on disk with the next Full write or checkpoint. A power loss
    // may undo it, so it is only for steps a restart derives again (a job's
    // own progress from rendered to spooled, found again in the spool).
    Deferred,
};

struct JobStoreOptions {
    // How long a call waits for another process's lock on the file before it
    // returns Unavailable. Default 5000 ms.
    int busyTimeoutMs = 5000;
    // How often the background thread copies the log into the database file
    // when it has grown (see Checkpointer): at 300 jobs/s about a thousand
    // pages each time, SQLite's own default threshold. Default 100 ms. Tests
    // set it long to see that no writer copies the log itself.
    int checkpointIntervalMs = 100;
};

class JobStore {
public:
    // Opens (creating if needed) the database at dbPath and brings its schema
    // up to the current version. Returns IOError when the file cannot be
    // opened or migrated, Internal when it was written by a newer build. The
    // clock must outlive the store.
    static common::Result<std::unique_ptr<JobStore>> open(const std::string& dbPath, const common::Clock& clock,
                                                          const JobStoreOptions& options = {});
    // Opens the PostgreSQL database named by conninfo (a libpq connection
    // string) with `connections` connections (Settings::jobsPostgresqlPool),
    // and brings its schema up to the current version; of several instances
    // starting at once, one migrates and the others wait for it (an advisory
    // lock). Unavailable when the server cannot be reached, IOError when the
    // schema cannot be migrated, Internal when a newer build wrote it.
    static common::Result<std::unique_ptr<JobStore>> openPostgreSql(const std::string& conninfo, int connections,
                                                                    const common::Clock& clock);
    ~JobStore();
    JobStore(const JobStore&) = delete;
    JobStore& operator=(const JobStore&) = delete;

    // Schema version of the open database (kSchemaVersion after open()).
    common::Result<int> schemaVersion() const;
    static constexpr int kSchemaVersion = 7;

    // Stores a new job and its "accepted" event in one transaction. The store
    // sets createdAt, updatedAt and createdAtUs from its clock. Returns
    // InvalidArgument for a bad id, channel, hash or JSON field, Conflict when
    // the id or the idempotency key is already stored, Unavailable when the
    // file stays locked, IOError otherwise.
    common::Status create(const Job& job, const std::string& actor);
    // Stores a job rendered before it was stored, so that accepting it and
    // freezing its documents cost one transaction and one sync: the job (in
    // Rendered, with its pageCount and warnings), its "accepted" event at
    // job.createdAtUs (which must be set: the documents print that time), its
    // documents (by the rules of putDocument) and a "rendered" event with
    // renderedDetailJson. Errors as create(); InvalidArgument as well for no
    // creation time, no document or a bad document or detail.
    common::Status createRendered(const Job& job, const std::string& actor, const std::vector<FrozenDocument>& documents,
                                  const std::string& renderedDetailJson);

    // Returns NotFound when no job has this id.
    common::Result<Job> get(const std::string& id) const;
    // The job whose reply reference (stored form) this is. NotFound if none.
    common::Result<Job> findByReplyRef(const std::string& ref) const;
    // The job the office created with this idempotency key (until purged).
    // NotFound if none; another office's key is never found.
    common::Result<Job> findByIdempotencyKey(const std::string& office, const std::string& key) const;
    // The newest job with this request hash created at or after sinceUs, in
    // any state; the caller decides whether it counts as a duplicate. NotFound if none.
    common::Result<Job> findRecentDuplicate(const std::string& requestHash, long long sinceUs) const;

    // Moves the job to `to`, applies `changes` (freezing changes.documents),
    // and appends an event of eventKind, all in one transaction. Leaving Failed counts as a retry:
    // attempt goes up by one and the error fields are cleared (unless
    // `changes` sets them). Returns NotFound for an unknown job, Conflict when
    // canTransition(current, to) is false (so a job can be marked spooled
    // only once) or when a frozen document differs (see putDocument),
    // InvalidArgument for an empty kind, malformed JSON or a bad document.
    common::Status transition(const std::string& id, JobState to, const std::string& eventKind,
                              const std::string& actor, const std::string& detailJson,
                              const JobChanges& changes = {}, Sync sync = Sync::Full);

    // Compare-and-set: transition() only while the job is in `from`; Conflict
    // when it is in any other state. Of two threads that race to move a job
    // out of `from` (a cancel and the dispatcher's claim of a held fax),
    // exactly one wins.
    common::Status transitionFrom(const std::string& id, JobState from, JobState to, const std::string& eventKind,
                                  const std::string& actor, const std::string& detailJson,
                                  const JobChanges& changes = {}, Sync sync = Sync::Full);

    // Applies `changes` and appends an event in one transaction, without a
    // state change (receipt confirmations, gateway details). NotFound for an
    // unknown job, InvalidArgument for malformed JSON.
    common::Status update(const std::string& id, const JobChanges& changes, const std::string& eventKind,
                          const std::string& actor, const std::string& detailJson);

    // Stores a frozen copy of a rendered document with its SHA-256. Format is
    // "pdf", "xlsx" or "fax_pdf". Storing the same bytes again is OK (a
    // re-render after a crash); different bytes for a stored format are a
    // Conflict. NotFound for an unknown job; InvalidArgument for an unknown
    // format or empty bytes.
    common::Status putDocument(const std::string& jobId, const std::string& format, const std::string& bytes);
    // The stored bytes, checked against their SHA-256 and size. NotFound if
    // missing, IOError if the stored copy is corrupt.
    common::Result<std::string> document(const std::string& jobId, const std::string& format) const;

    // Appends an event without changing the job's state (downloaded,
    // receipt_confirmed, ...). There is no way to change or delete an event.
    // NotFound for an unknown job, InvalidArgument for an empty kind or bad JSON.
    common::Status appendEvent(const std::string& jobId, const std::string& kind, const std::string& actor,
                               const std::string& detailJson);
    // The job's events, oldest first. NotFound for an unknown job.
    common::Result<std::vector<Event>> events(const std::string& jobId) const;

    // Jobs matching the filter, newest first. InvalidArgument for an unknown
    // state name, a limit outside 1..kMaxListLimit or a negative offset.
    common::Result<std::vector<Job>> list(const JobFilter& filter) const;
    // Number of jobs matching the filter, ignoring limit and offset.
    common::Result<long long> count(const JobFilter& filter) const;
    // How many jobs are in each state on each channel, for the metrics:
    // only the pairs that have jobs, in no particular order.
    struct StateCount {
        JobState state;
        Channel channel;
        long long jobs;
    };
    common::Result<std::vector<StateCount>> countByState() const;
    // Jobs in Accepted, Rendering, Rendered or Held, oldest first: what a
    // restarted service must finish (see isUnfinished()).
    common::Result<std::vector<Job>> unfinished() const;

    // Jobs in Held whose hold window ended at or before nowUs, oldest first.
    common::Result<std::vector<Job>> dueHeld(long long nowUs) const;

    // Claims: work on a job that must happen once among several instances
    // sharing the database (handing it to the spool or CUPS) is claimed by
    // one owner (an instance) until untilUs. OK when the job is unclaimed,
    // already the owner's (the lease is extended), or claimed by another
    // owner whose lease ended at or before nowUs and takeOverExpired is set;
    // Conflict otherwise (with the holder in the message), NotFound for an
    // unknown job. Of owners racing for one job, exactly one gets OK.
    common::Status claim(const std::string& jobId, const std::string& owner, long long nowUs, long long untilUs,
                         bool takeOverExpired);
    // Ends the owner's claim on the job; nothing when it holds none.
    common::Status releaseClaim(const std::string& jobId, const std::string& owner);
    // Jobs in accepted, rendering or rendered, created before
    // createdBeforeUs, that nobody claims, or (takeOverExpired) whose claim
    // ended at or before nowUs, or that `owner` claims itself: left by an
    // instance that died, or by a submission whose hand-over failed. Oldest
    // first, at most `limit`.
    common::Result<std::vector<Job>> orphans(const std::string& owner, long long createdBeforeUs, long long nowUs,
                                             bool takeOverExpired, int limit) const;

    // Appends one access, or one aggregated row, to the audit trail. The time
    // is entry.atUs when set, else the store's clock. InvalidArgument for a
    // count below 1. Written with Sync::Deferred: it survives a crash of the
    // process; a power loss may take the entries written since the last job
    // was accepted.
    common::Status appendAudit(const AuditEntry& entry);
    // Audit entries matching the filter, newest first.
    common::Result<std::vector<AuditEntry>> audit(const AuditFilter& filter) const;

    // Received faxes (received_fax.h; job_store_inbound.cpp).
    // True when a file with this SHA-256 was recorded.
    common::Result<bool> receivedFileSeen(const std::string& sha256) const;
    // Records a received file, its replies (each with a "reply_received"
    // event whose detail is replyEventDetails[i] plus "replyId") and its
    // inbox entries in one transaction. Conflict when the file was recorded
    // before (nothing is stored again), NotFound for a reply to an unknown
    // job, InvalidArgument for malformed JSON or an empty document.
    common::Status recordReceivedFile(const ReceivedFile& file, const std::string& actor);
    // The job's received replies, oldest first, without their PDFs.
    common::Result<std::vector<ReceivedReply>> replies(const std::string& jobId) const;
    // One reply with its PDF. NotFound unless it is this job's.
    common::Result<ReceivedReply> reply(const std::string& jobId, long long replyId) const;
    // Inbox entries, newest first, without their bytes: `office`'s only, or
    // all when allOffices.
    common::Result<std::vector<InboxEntry>> inbox(const std::string& office, bool allOffices) const;
    // One entry with its bytes. NotFound for an unknown id.
    common::Result<InboxEntry> inboxEntry(long long id) const;
    // Attaches an inbox entry (format "pdf") to a job as a received reply
    // with a "reply_received" event (detailJson plus "replyId") and removes
    // it from the inbox, in one transaction. NotFound when the entry or the
    // job is gone, InvalidArgument for an entry that holds no PDF.
    common::Result<long long> assignInboxEntry(long long id, const std::string& jobId, const std::string& pagesJson,
                                               const std::string& actor, const std::string& detailJson);
    // The offices that faxed to this destination (a partner id), each once.
    common::Result<std::vector<std::string>> officesFaxing(const std::string& destination) const;
    // For the readiness check: takes the write lock of the database file
    // (BEGIN IMMEDIATE) and rolls back, so a file another process keeps
    // locked, or a connection that can no longer write, shows. Writes
    // nothing. Unavailable when the file stays locked, IOError otherwise.
    // PostgreSQL: Unavailable when the server cannot be reached or is a
    // read-only standby.
    common::Status checkWritable() const;

    // Forgets idempotency keys of jobs created before olderThanUs, so the
    // same key can be used again. The jobs themselves stay.
    common::Status purgeIdempotencyKeys(long long olderThanUs);

private:
    JobStore(std::unique_ptr<StoreBackend> backend, const common::Clock& clock);

    // transition() and transitionFrom(): `expected`, when set, is the only
    // state the job may be in.
    common::Status move(const std::string& id, std::optional<JobState> expected, JobState to,
                        const std::string& eventKind, const std::string& actor, const std::string& detailJson,
                        const JobChanges& changes, Sync sync);
    // `committed`, made durable as `sync` asks (the backend's durable()).
    common::Status durable(common::Status committed, Sync sync) const;
    // The column that breaks ties in the insertion order (Dialect).
    const char* order() const;

    std::unique_ptr<StoreBackend> backend_;  // thread-safe on its own
    const common::Clock& clock_;
};

}  // namespace jobs
