#include "jobs/job_store.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <mutex>
#include <utility>

#include "common/ids.h"
#include "jobs/checkpointer.h"
#include "jobs/group_commit_log.h"
#include "jobs/job_rows.h"
#include "jobs/record_checks.h"
#include "jobs/store_backend.h"
#include "jobs/store_schema.h"
#include "jobs/store_sql.h"

namespace jobs {
namespace {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Session;
using Poco::Data::Statement;

std::once_flag registerOnce;
std::once_flag registerPostgresOnce;

}  // namespace

JobStore::JobStore(std::unique_ptr<StoreBackend> backend, const common::Clock& clock)
    : backend_(std::move(backend)), clock_(clock) {}

JobStore::~JobStore() = default;

Result<std::unique_ptr<JobStore>> JobStore::open(const std::string& dbPath, const common::Clock& clock,
                                                 const JobStoreOptions& options) {
    if (dbPath.empty()) return Status::invalidArgument("job store path is empty");
    if (options.busyTimeoutMs < 0) return Status::invalidArgument("job store busy timeout is negative");
    if (options.checkpointIntervalMs < 1)
        return Status::invalidArgument("job store checkpoint interval must be at least 1 ms");
    Status created = createOwnerOnly(dbPath);
    if (!created) return created;
    return guarded("open job store " + dbPath, [&]() -> Result<std::unique_ptr<JobStore>> {
        std::call_once(registerOnce, [] { Poco::Data::SQLite::Connector::registerConnector(); });
        auto session = std::make_unique<Session>("SQLite", dbPath);
        Session& s = *session;
        int timeoutMs = 0;
        // The timeout first: switching to WAL already needs a lock.
        s << "PRAGMA busy_timeout = " + std::to_string(options.busyTimeoutMs), into(timeoutMs), now;
        std::string journalMode;
        s << "PRAGMA journal_mode = WAL", into(journalMode), now;
        if (journalMode != "wal") return Status::ioError("cannot switch to WAL (journal mode is " + journalMode + ")");
        // NORMAL: a commit is written to the log but not synced there, with
        // the store's lock held; writes that must be durable sync the log
        // after the lock is released (syncLog), so concurrent commits share
        // one sync instead of queueing behind each other's.
        s << "PRAGMA synchronous = NORMAL", now;
        s << "PRAGMA foreign_keys = ON", now;
        // Checkpoints run on the checkpointer's thread; this is only the backstop.
        s << "PRAGMA wal_autocheckpoint = " + std::to_string(Checkpointer::kBackstopPages), now;
        Status migrated = migrate(s, Engine::SQLite, clock);
        if (!migrated) return migrated;
        auto log = GroupCommitLog::open(dbPath + "-wal");
        if (!log) return log.status();
        auto checkpointer = Checkpointer::start(dbPath, options.checkpointIntervalMs);
        if (!checkpointer) return checkpointer.status();
        return std::unique_ptr<JobStore>(new JobStore(
            sqliteBackend(std::move(session), std::move(log).value(), std::move(checkpointer).value()), clock));
    });
}

Result<std::unique_ptr<JobStore>> JobStore::openPostgreSql(const std::string& conninfo, int connections,
                                                           const common::Clock& clock) {
    if (conninfo.empty()) return Status::invalidArgument("job store PostgreSQL connection string is empty");
    if (connections < 1) return Status::invalidArgument("job store needs at least one PostgreSQL connection");
    // Connection errors name the server, never the password a conninfo may hold.
    return guarded("open job store on PostgreSQL", [&]() -> Result<std::unique_ptr<JobStore>> {
        std::call_once(registerPostgresOnce, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
        std::vector<std::unique_ptr<Session>> pool;
        for (int i = 0; i < connections; ++i) pool.push_back(std::make_unique<Session>("PostgreSQL", conninfo));
        Status migrated = migrate(*pool.front(), Engine::PostgreSQL, clock);
        if (!migrated) return migrated;
        return std::unique_ptr<JobStore>(new JobStore(postgresBackend(std::move(pool)), clock));
    });
}

Result<int> JobStore::schemaVersion() const {
    return guarded("read job store schema version", [&]() -> Result<int> {
        Lease lease = backend_->lease();
        int version = 0;
        *lease << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(version), now;
        return version;
    });
}

Status JobStore::create(const Job& job, const std::string& actor) {
    Status valid = checkNewJob(job, actor, JobState::Accepted);
    if (!valid) return valid;
    return durable(guarded("create job " + job.id, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        Status unique = checkUnique(s, job);
        if (!unique) return unique;
        const Poco::Timestamp t = clock_.now();
        if (!insertJob(s, job, actor, t, common::isoJst(t)))
            return Status::conflict("job " + job.id + " or its idempotency key was stored meanwhile");
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Status JobStore::createRendered(const Job& job, const std::string& actor, const std::vector<FrozenDocument>& documents,
                                const std::string& renderedDetailJson) {
    Status valid = checkNewJob(job, actor, JobState::Rendered);
    if (valid && job.createdAtUs <= 0) valid = Status::invalidArgument("job " + job.id + ": no creation time");
    if (valid && documents.empty()) valid = Status::invalidArgument("job " + job.id + ": no rendered document");
    if (valid) valid = checkDocuments(job.id, documents);
    if (valid) valid = checkEvent("rendered", actor, renderedDetailJson);
    if (!valid) return valid;
    const std::vector<std::string> shas = checksums(documents);
    return durable(guarded("create rendered job " + job.id, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        Status unique = checkUnique(s, job);
        if (!unique) return unique;
        const std::string at = common::isoJst(clock_.now());
        if (!insertJob(s, job, actor, Poco::Timestamp(job.createdAtUs), at))
            return Status::conflict("job " + job.id + " or its idempotency key was stored meanwhile");
        Status stored = insertDocuments(s, job.id, documents, shas, at);
        if (!stored) return stored;
        insertEvent(s, job.id, "rendered", at, actor, renderedDetailJson);
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<Job> JobStore::get(const std::string& id) const {
    return guarded("get job " + id, [&]() -> Result<Job> {
        Lease lease = backend_->lease();
        return selectOneJob(*lease, "WHERE id = ?", {id}, "no job " + id);
    });
}

Result<Job> JobStore::findByReplyRef(const std::string& ref) const {
    if (ref.empty()) return Status::notFound("no job for an empty reply reference");
    return guarded("find job by reply reference", [&]() -> Result<Job> {
        Lease lease = backend_->lease();
        return selectOneJob(*lease, "WHERE id = (SELECT job_id FROM reply_refs WHERE ref = ?)", {ref},
                            "no job for this reply reference");
    });
}

Result<Job> JobStore::findByIdempotencyKey(const std::string& office, const std::string& key) const {
    if (key.empty()) return Status::notFound("no job for an empty idempotency key");
    return guarded("find job by idempotency key", [&]() -> Result<Job> {
        Lease lease = backend_->lease();
        return selectOneJob(*lease, "WHERE idempotency_key = ?", {scopedIdempotencyKey(office, key)},
                            "no job for this idempotency key");
    });
}

Result<Job> JobStore::findRecentDuplicate(const std::string& requestHash, long long sinceUs) const {
    return guarded("find duplicate job", [&]() -> Result<Job> {
        Lease lease = backend_->lease();
        // The insertion order breaks ties between jobs created in the same microsecond: the later insert wins.
        return selectOneJob(*lease,
                            std::string("WHERE request_hash = ? AND created_at_us >= ? ORDER BY created_at_us DESC, ") +
                                order() + " DESC",
                            {requestHash, static_cast<Poco::Int64>(sinceUs)}, "no recent job with this request");
    });
}

Status JobStore::checkWritable() const {
    return guarded("check the job store is writable", [&]() -> Status {
        Lease lease = backend_->lease();
        WriteTransaction tx(*lease, backend_->dialect().engine);  // rolled back when it goes out of scope
        if (backend_->dialect().engine == Engine::PostgreSQL) {
            // A standby after a failover answers, but refuses every write.
            int standby = 0;
            *lease << "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END", into(standby), now;
            if (standby) return Status::unavailable("the job store's PostgreSQL server is a read-only standby");
        }
        return Status::ok();
    });
}

Status JobStore::durable(Status committed, Sync sync) const { return backend_->durable(std::move(committed), sync); }

const char* JobStore::order() const { return backend_->dialect().insertionOrder; }

Status JobStore::transition(const std::string& id, JobState to, const std::string& eventKind,
                            const std::string& actor, const std::string& detailJson, const JobChanges& changes,
                            Sync sync) {
    return move(id, std::nullopt, to, eventKind, actor, detailJson, changes, sync);
}

Status JobStore::transitionFrom(const std::string& id, JobState from, JobState to, const std::string& eventKind,
                                const std::string& actor, const std::string& detailJson, const JobChanges& changes,
                                Sync sync) {
    return move(id, from, to, eventKind, actor, detailJson, changes, sync);
}

Status JobStore::move(const std::string& id, std::optional<JobState> expected, JobState to,
                      const std::string& eventKind, const std::string& actor, const std::string& detailJson,
                      const JobChanges& changes, Sync sync) {
    Status valid = checkEvent(eventKind, actor, detailJson);
    if (valid) valid = checkChanges(id, changes);
    if (!valid) return valid;
    const std::vector<std::string> shas = checksums(changes.documents);
    return durable(guarded("move job " + id + " to " + stateName(to), [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        std::vector<std::string> current;
        s << sql(s, std::string("SELECT state FROM jobs WHERE id = ?") + backend_->dialect().lockRow), bind(id),
            into(current), now;
        if (current.empty()) return Status::notFound("no job " + id);
        std::optional<JobState> from = parseState(current.front());
        if (!from) return Status::ioError("job " + id + " has unknown state '" + current.front() + "'");
        if (!canTransition(*from, to) || (expected && *from != *expected))
            return Status::conflict("job " + id + " is " + current.front() + " and cannot become " + stateName(to));

        const std::string at = common::isoJst(clock_.now());
        Status stored = insertDocuments(s, id, changes.documents, shas, at);
        if (!stored) return stored;
        applyChanges(s, id, stateName(to), *from == JobState::Failed, changes, at);
        insertEvent(s, id, eventKind, at, actor, detailJson);
        tx.commit();
        return Status::ok();
    }), sync);
}

Status JobStore::update(const std::string& id, const JobChanges& changes, const std::string& eventKind,
                        const std::string& actor, const std::string& detailJson) {
    Status valid = checkEvent(eventKind, actor, detailJson);
    if (valid) valid = checkChanges(id, changes);
    if (!valid) return valid;
    const std::vector<std::string> shas = checksums(changes.documents);
    return durable(guarded("update job " + id, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        if (!lockJob(s, backend_->dialect(), id)) return Status::notFound("no job " + id);
        const std::string at = common::isoJst(clock_.now());
        Status stored = insertDocuments(s, id, changes.documents, shas, at);
        if (!stored) return stored;
        applyChanges(s, id, "", false, changes, at);
        insertEvent(s, id, eventKind, at, actor, detailJson);
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Status JobStore::putDocument(const std::string& jobId, const std::string& format, const std::string& bytes) {
    const FrozenDocument d{format, bytes};
    Status valid = checkDocument(jobId, d);
    if (!valid) return valid;
    const std::string sha = common::sha256Hex(bytes);
    return durable(guarded("store " + format + " of job " + jobId, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        if (!lockJob(s, backend_->dialect(), jobId)) return Status::notFound("no job " + jobId);
        Status stored = insertDocument(s, jobId, d, sha, common::isoJst(clock_.now()));
        if (!stored) return stored;
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<std::string> JobStore::document(const std::string& jobId, const std::string& format) const {
    std::vector<Poco::Data::BLOB> blobs;
    std::vector<std::string> shas;
    std::vector<Poco::Int64> sizes;
    Status read = guarded("read " + format + " of job " + jobId, [&]() -> Status {
        Lease lease = backend_->lease();
        *lease << sql(*lease, "SELECT bytes, sha256, size FROM documents WHERE job_id = ? AND format = ?"), bind(jobId),
            bind(format), into(blobs), into(shas), into(sizes), now;
        return Status::ok();
    });
    if (!read) return read;
    if (blobs.empty()) return Status::notFound("job " + jobId + " has no " + format + " document");
    // Checked after the lock is released: other threads need not wait for it.
    const Poco::Data::BLOB& blob = blobs.front();
    std::string bytes(reinterpret_cast<const char*>(blob.rawContent()), blob.size());
    if (static_cast<Poco::Int64>(bytes.size()) != sizes.front() || common::sha256Hex(bytes) != shas.front())
        return Status::ioError("stored " + format + " of job " + jobId + " is corrupt (checksum mismatch)");
    return bytes;
}

Status JobStore::appendEvent(const std::string& jobId, const std::string& kind, const std::string& actor,
                             const std::string& detailJson) {
    Status valid = checkEvent(kind, actor, detailJson);
    if (!valid) return valid;
    return durable(guarded("append " + kind + " event to job " + jobId, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        if (!lockJob(s, backend_->dialect(), jobId)) return Status::notFound("no job " + jobId);
        insertEvent(s, jobId, kind, common::isoJst(clock_.now()), actor, detailJson);
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<std::vector<Event>> JobStore::events(const std::string& jobId) const {
    return guarded("read events of job " + jobId, [&]() -> Result<std::vector<Event>> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        if (!jobExists(s, jobId)) return Status::notFound("no job " + jobId);
        std::vector<Poco::Int64> seqs;
        std::vector<std::string> kinds, ats, actors, details;
        s << sql(s, "SELECT seq, kind, at, actor, detail FROM events WHERE job_id = ? ORDER BY seq"), bind(jobId),
            into(seqs), into(kinds), into(ats), into(actors), into(details), now;
        std::vector<Event> out;
        out.reserve(seqs.size());
        for (size_t i = 0; i < seqs.size(); ++i)
            out.push_back(Event{seqs[i], jobId, kinds[i], ats[i], actors[i], details[i]});
        return out;
    });
}

Result<std::vector<Job>> JobStore::list(const JobFilter& filter) const {
    if (filter.limit < 1 || filter.limit > kMaxListLimit)
        return Status::invalidArgument("limit must be 1.." + std::to_string(kMaxListLimit));
    if (filter.offset < 0) return Status::invalidArgument("offset must not be negative");
    auto where = whereClause(filter);
    if (!where) return where.status();
    return guarded("list jobs", [&]() -> Result<std::vector<Job>> {
        Lease lease = backend_->lease();
        std::vector<Param> params = where->params;
        params.push_back(static_cast<Poco::Int64>(filter.limit));
        params.push_back(static_cast<Poco::Int64>(filter.offset));
        return selectJobs(*lease, where->sql + " ORDER BY created_at_us DESC, " + order() + " DESC LIMIT ? OFFSET ?",
                          params);
    });
}

Result<long long> JobStore::count(const JobFilter& filter) const {
    auto where = whereClause(filter);
    if (!where) return where.status();
    return guarded("count jobs", [&]() -> Result<long long> {
        Lease lease = backend_->lease();
        Poco::Int64 n = 0;
        Statement st = prepared(*lease, "SELECT COUNT(*) FROM jobs" + where->sql, where->params);
        st, into(n);
        st.execute();
        return static_cast<long long>(n);
    });
}

Result<std::vector<JobStore::StateCount>> JobStore::countByState() const {
    return guarded("count jobs by state", [&]() -> Result<std::vector<StateCount>> {
        Lease lease = backend_->lease();
        std::vector<std::string> states, channels;
        std::vector<Poco::Int64> counts;
        *lease << "SELECT state, channel, COUNT(*) FROM jobs GROUP BY state, channel", into(states),
            into(channels), into(counts), now;
        std::vector<StateCount> out;
        for (size_t i = 0; i < states.size(); ++i) {
            auto state = parseState(states[i]);
            auto channel = parseChannel(channels[i]);
            // The schema's CHECK constraints allow no other values.
            if (!state || !channel) return Status::internal("job store holds state " + states[i] + " on " + channels[i]);
            out.push_back({*state, *channel, static_cast<long long>(counts[i])});
        }
        return out;
    });
}

Result<std::vector<Job>> JobStore::unfinished() const {
    return guarded("list unfinished jobs", [&]() -> Result<std::vector<Job>> {
        Lease lease = backend_->lease();
        return selectJobs(*lease,
                          std::string("WHERE state IN ('accepted', 'rendering', 'rendered', 'held')"
                                      " ORDER BY created_at_us, ") +
                              order(),
                          {});
    });
}

Status JobStore::purgeIdempotencyKeys(long long olderThanUs) {
    return durable(guarded("purge idempotency keys", [&]() -> Status {
        Lease lease = backend_->lease();
        *lease << sql(*lease,
                      "UPDATE jobs SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND created_at_us < ?"),
            bind(static_cast<Poco::Int64>(olderThanUs)), now;
        return Status::ok();
    }), Sync::Full);
}

Result<std::vector<Job>> JobStore::dueHeld(long long nowUs) const {
    return guarded("list due held jobs", [&]() -> Result<std::vector<Job>> {
        Lease lease = backend_->lease();
        return selectJobs(*lease, std::string("WHERE state = 'held' AND held_until_us <= ? ORDER BY held_until_us, ") + order(),
                          {static_cast<Poco::Int64>(nowUs)});
    });
}

}  // namespace jobs
