#include "jobs/job_store.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Data/TypeHandler.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <variant>

#include "common/ids.h"

namespace jobs {

namespace {

struct StateRow {
    JobState state;
    const char* name;
};
const StateRow kStates[] = {
    {JobState::Accepted, "accepted"}, {JobState::Rendering, "rendering"}, {JobState::Rendered, "rendered"},
    {JobState::Held, "held"},         {JobState::Spooled, "spooled"},     {JobState::Sent, "sent"},
    {JobState::Failed, "failed"},     {JobState::Cancelled, "cancelled"},
};

// Column list matching TypeHandler<jobs::Job> below. Optional text columns are
// NULL in the table (so the idempotency key can be UNIQUE) and '' here.
const char* const kJobColumns =
    "id, sheet_id, channel, destination, state, request_json, request_hash, COALESCE(idempotency_key, ''), "
    "COALESCE(patient_ref, ''), page_count, warnings_json, error_code, error_message, attempt, created_at, "
    "updated_at, created_at_us, office, delivery_json, held_until_us, sent_at, receipt_json";

}  // namespace

std::string stateName(JobState state) {
    for (const StateRow& row : kStates)
        if (row.state == state) return row.name;
    throw std::logic_error("stateName: unknown JobState");
}

std::optional<JobState> parseState(const std::string& name) {
    for (const StateRow& row : kStates)
        if (name == row.name) return row.state;
    return std::nullopt;
}

std::string channelName(Channel channel) { return channel == Channel::Fax ? "fax" : "print"; }

std::optional<Channel> parseChannel(const std::string& name) {
    if (name == "print") return Channel::Print;
    if (name == "fax") return Channel::Fax;
    return std::nullopt;
}

bool canTransition(JobState from, JobState to) {
    using S = JobState;
    auto oneOf = [to](std::initializer_list<S> allowed) {
        for (S s : allowed)
            if (s == to) return true;
        return false;
    };
    switch (from) {
    case S::Accepted: return oneOf({S::Rendering, S::Rendered, S::Held, S::Failed});
    case S::Rendering: return oneOf({S::Rendered, S::Held, S::Failed, S::Accepted});
    case S::Rendered: return oneOf({S::Spooled, S::Held, S::Failed});
    case S::Held: return oneOf({S::Accepted, S::Rendered, S::Spooled, S::Failed, S::Cancelled});
    case S::Spooled: return oneOf({S::Sent, S::Failed});
    case S::Failed: return oneOf({S::Accepted, S::Rendered});
    case S::Sent:
    case S::Cancelled: return false;
    }
    return false;
}

bool isUnfinished(JobState state) {
    return state == JobState::Accepted || state == JobState::Rendering || state == JobState::Rendered ||
           state == JobState::Held;
}

}  // namespace jobs

// Lets Poco extract a whole jobs row (kJobColumns, in that order) into a Job.
namespace Poco::Data {
template <>
class TypeHandler<jobs::Job> {
public:
    static std::size_t size() { return 22; }

    static void extract(std::size_t pos, jobs::Job& job, const jobs::Job& def, AbstractExtractor::Ptr ext) {
        std::string channel, state, idempotencyKey, patientRef;
        Poco::Int64 createdAtUs = 0;
        TypeHandler<std::string>::extract(pos++, job.id, def.id, ext);
        TypeHandler<std::string>::extract(pos++, job.sheetId, def.sheetId, ext);
        TypeHandler<std::string>::extract(pos++, channel, std::string(), ext);
        TypeHandler<std::string>::extract(pos++, job.destination, def.destination, ext);
        TypeHandler<std::string>::extract(pos++, state, std::string(), ext);
        TypeHandler<std::string>::extract(pos++, job.requestJson, def.requestJson, ext);
        TypeHandler<std::string>::extract(pos++, job.requestHash, def.requestHash, ext);
        TypeHandler<std::string>::extract(pos++, idempotencyKey, std::string(), ext);
        TypeHandler<std::string>::extract(pos++, patientRef, std::string(), ext);
        TypeHandler<int>::extract(pos++, job.pageCount, def.pageCount, ext);
        TypeHandler<std::string>::extract(pos++, job.warningsJson, def.warningsJson, ext);
        TypeHandler<std::string>::extract(pos++, job.errorCode, def.errorCode, ext);
        TypeHandler<std::string>::extract(pos++, job.errorMessage, def.errorMessage, ext);
        TypeHandler<int>::extract(pos++, job.attempt, def.attempt, ext);
        TypeHandler<std::string>::extract(pos++, job.createdAt, def.createdAt, ext);
        TypeHandler<std::string>::extract(pos++, job.updatedAt, def.updatedAt, ext);
        TypeHandler<Poco::Int64>::extract(pos++, createdAtUs, 0, ext);
        Poco::Int64 heldUntilUs = 0;
        TypeHandler<std::string>::extract(pos++, job.office, def.office, ext);
        TypeHandler<std::string>::extract(pos++, job.deliveryJson, def.deliveryJson, ext);
        TypeHandler<Poco::Int64>::extract(pos++, heldUntilUs, 0, ext);
        TypeHandler<std::string>::extract(pos++, job.sentAt, def.sentAt, ext);
        TypeHandler<std::string>::extract(pos++, job.receiptJson, def.receiptJson, ext);
        job.heldUntilUs = heldUntilUs;

        auto parsed = jobs::parseState(state);
        // Only reachable if something other than this store wrote the row.
        if (!parsed) throw DataException("job " + job.id + " has unknown state '" + state + "'");
        job.state = *parsed;
        auto parsedChannel = jobs::parseChannel(channel);
        // The table's CHECK allows only these two.
        if (!parsedChannel) throw DataException("job " + job.id + " has unknown channel '" + channel + "'");
        job.channel = *parsedChannel;
        job.idempotencyKey = idempotencyKey.empty() ? std::nullopt : std::optional<std::string>(idempotencyKey);
        job.patientRef = patientRef.empty() ? std::nullopt : std::optional<std::string>(patientRef);
        job.createdAtUs = createdAtUs;
    }

    static void prepare(std::size_t pos, const jobs::Job&, AbstractPreparator::Ptr prep) {
        const std::string text;
        const int number = 0;
        const Poco::Int64 bigNumber = 0;
        for (int i = 0; i < 9; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
        TypeHandler<int>::prepare(pos++, number, prep);
        for (int i = 0; i < 3; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
        TypeHandler<int>::prepare(pos++, number, prep);
        for (int i = 0; i < 2; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
        TypeHandler<Poco::Int64>::prepare(pos++, bigNumber, prep);
        for (int i = 0; i < 2; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
        TypeHandler<Poco::Int64>::prepare(pos++, bigNumber, prep);
        for (int i = 0; i < 2; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
    }
};
}  // namespace Poco::Data

namespace jobs {

namespace {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Session;
using Poco::Data::Statement;

const char* const kFormats[] = {"pdf", "xlsx", "fax_pdf"};

// How often the log is copied into the database file when it has grown: at
// 300 jobs/s about a thousand pages each time, SQLite's own default threshold.
constexpr int kCheckpointIntervalMs = 100;

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

struct Migration {
    int version;
    void (*apply)(Session&);
};
const Migration kMigrations[] = {
    {1, createSchemaV1},
    {2, addDeliveryAndAudit},
    {3, addAuditCount},
};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == JobStore::kSchemaVersion,
              "one migration per schema version");

// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that
// reads first and writes later can fail with SQLITE_BUSY halfway through.
// Rolls back unless commit() succeeded.
class WriteTransaction {
public:
    explicit WriteTransaction(Session& s) : s_(s) { s_ << "BEGIN IMMEDIATE", now; }
    ~WriteTransaction() {
        if (committed_) return;
        try {
            s_ << "ROLLBACK", now;
        } catch (...) {
            // The connection rolls back by itself on most errors; nothing more to do here.
        }
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    void commit() {
        s_ << "COMMIT", now;
        committed_ = true;
    }

private:
    Session& s_;
    bool committed_ = false;
};

// Runs body and turns whatever Poco or the standard library throws into a
// Status with context, so no exception leaves the store.
template <typename F>
auto guarded(const std::string& context, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Poco::Data::SQLite::DBLockedException& e) {
        return Status::unavailable(context + ": database is busy: " + e.displayText());
    } catch (const Poco::Data::SQLite::TableLockedException& e) {
        return Status::unavailable(context + ": database is busy: " + e.displayText());
    } catch (const Poco::Data::SQLite::DatabaseFullException& e) {
        // SQLITE_FULL (ENOSPC or a quota while writing the log or the file):
        // the transaction is rolled back, and the same call succeeds once there is space.
        return Status::storageFull(context + ": " + e.displayText());
    } catch (const Poco::Exception& e) {
        return Status::ioError(context + ": " + e.displayText());
    } catch (const std::exception& e) {
        return Status::internal(context + ": " + e.what());
    }
}

using Param = std::variant<std::string, Poco::Int64>;

// Runs a statement whose values are only known at run time (filters, optional
// changes). bind() copies each value into the statement.
Statement prepared(Session& s, const std::string& sql, const std::vector<Param>& params) {
    Statement st(s);
    st << sql;
    for (const Param& p : params) std::visit([&st](const auto& value) { st, bind(value); }, p);
    return st;
}

std::vector<Job> selectJobs(Session& s, const std::string& tail, const std::vector<Param>& params) {
    std::vector<Job> rows;
    Statement st = prepared(s, std::string("SELECT ") + kJobColumns + " FROM jobs " + tail, params);
    st, into(rows);
    st.execute();
    return rows;
}

Result<Job> selectOneJob(Session& s, const std::string& tail, const std::vector<Param>& params,
                         const std::string& notFound) {
    std::vector<Job> rows = selectJobs(s, tail + " LIMIT 1", params);
    if (rows.empty()) return Status::notFound(notFound);
    return std::move(rows.front());
}

bool jobExists(Session& s, const std::string& id) {
    int n = 0;
    s << "SELECT COUNT(*) FROM jobs WHERE id = ?", bind(id), into(n), now;
    return n > 0;
}

enum class JsonKind { Object, Array };

// Follows the parse without building the value: the store keeps JSON as
// text, so only its shape is checked, and building a large request again
// would cost as much as the request's own parse.
class ShapeHandler : public Poco::JSON::Handler {
public:
    std::optional<JsonKind> top() const { return top_; }

    void reset() override {
        depth_ = 0;
        top_.reset();
    }
    void startObject() override { open(JsonKind::Object); }
    void endObject() override { --depth_; }
    void startArray() override { open(JsonKind::Array); }
    void endArray() override { --depth_; }
    void key(const std::string&) override {}
    void null() override {}
    void value(int) override {}
    void value(unsigned) override {}
    void value(Poco::Int64) override {}
    void value(Poco::UInt64) override {}
    void value(const std::string&) override {}
    void value(double) override {}
    void value(bool) override {}

private:
    void open(JsonKind kind) {
        if (depth_++ == 0) top_ = kind;
    }

    int depth_ = 0;
    std::optional<JsonKind> top_;  // the outermost value, when it is an object or array
};

bool isJson(const std::string& text, JsonKind kind) {
    Poco::SharedPtr<ShapeHandler> shape = new ShapeHandler;
    try {
        Poco::JSON::Parser parser(shape);
        parser.parse(text);
    } catch (const Poco::Exception&) {
        return false;
    }
    return shape->top() == kind;
}

bool isSha256Hex(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool isFormat(const std::string& format) {
    for (const char* f : kFormats)
        if (format == f) return true;
    return false;
}

Status checkEvent(const std::string& kind, const std::string& actor, const std::string& detailJson) {
    if (kind.empty()) return Status::invalidArgument("event kind is empty");
    if (actor.empty()) return Status::invalidArgument("event actor is empty");
    if (!isJson(detailJson, JsonKind::Object)) return Status::invalidArgument("event detail is not a JSON object");
    return Status::ok();
}

void insertEvent(Session& s, const std::string& jobId, const std::string& kind, const std::string& at,
                 const std::string& actor, const std::string& detailJson) {
    s << "INSERT INTO events (job_id, kind, at, actor, detail) VALUES (?, ?, ?, ?, ?)", bind(jobId), bind(kind),
        bind(at), bind(actor), bind(detailJson), now;
}

Status checkDocument(const std::string& jobId, const FrozenDocument& d) {
    if (!isFormat(d.format)) return Status::invalidArgument("unknown document format '" + d.format + "'");
    if (d.bytes.empty()) return Status::invalidArgument("empty " + d.format + " document for job " + jobId);
    return Status::ok();
}

// Checksums are computed before the store's lock is taken: other threads
// need not wait for them.
std::vector<std::string> checksums(const std::vector<FrozenDocument>& documents) {
    std::vector<std::string> out;
    for (const auto& d : documents) out.push_back(common::sha256Hex(d.bytes));
    return out;
}

// Stores a frozen copy. The same bytes again are fine (rendering is
// repeatable, so a re-render after a crash gives them); different bytes for a
// stored format are a Conflict.
Status insertDocument(Session& s, const std::string& jobId, const FrozenDocument& d, const std::string& sha,
                      const std::string& at) {
    std::vector<std::string> stored;
    s << "SELECT sha256 FROM documents WHERE job_id = ? AND format = ?", bind(jobId), bind(d.format), into(stored),
        now;
    if (!stored.empty()) {
        if (stored.front() == sha) return Status::ok();
        return Status::conflict("job " + jobId + " already has a different " + d.format + " document");
    }
    Poco::Data::BLOB blob(reinterpret_cast<const unsigned char*>(d.bytes.data()), d.bytes.size());
    s << "INSERT INTO documents (job_id, format, bytes, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        bind(jobId), bind(d.format), use(blob), bind(sha), bind(static_cast<Poco::Int64>(d.bytes.size())), bind(at),
        now;
    return Status::ok();
}

Status insertDocuments(Session& s, const std::string& jobId, const std::vector<FrozenDocument>& documents,
                       const std::vector<std::string>& shas, const std::string& at) {
    for (size_t i = 0; i < documents.size(); ++i) {
        Status stored = insertDocument(s, jobId, documents[i], shas[i], at);
        if (!stored) return stored;
    }
    return Status::ok();
}

Status checkDocuments(const std::string& jobId, const std::vector<FrozenDocument>& documents) {
    for (const auto& d : documents) {
        Status valid = checkDocument(jobId, d);
        if (!valid) return valid;
    }
    return Status::ok();
}

// The checks transition() and update() share.
Status checkChanges(const std::string& jobId, const JobChanges& changes) {
    if (changes.pageCount && *changes.pageCount < 0) return Status::invalidArgument("negative page count");
    if (changes.warningsJson && !isJson(*changes.warningsJson, JsonKind::Array))
        return Status::invalidArgument("warnings are not a JSON array");
    if (changes.deliveryJson && !isJson(*changes.deliveryJson, JsonKind::Object))
        return Status::invalidArgument("delivery is not a JSON object");
    if (changes.receiptJson && !isJson(*changes.receiptJson, JsonKind::Object))
        return Status::invalidArgument("receipt is not a JSON object");
    return checkDocuments(jobId, changes.documents);
}

Status checkNewJob(const Job& job, const std::string& actor, JobState state) {
    if (!common::isValidJobId(job.id)) return Status::invalidArgument("malformed job id '" + job.id + "'");
    if (job.sheetId.empty()) return Status::invalidArgument("job " + job.id + ": empty sheet id");
    if (job.state != state)
        return Status::invalidArgument("job " + job.id + ": a new job here must be " + stateName(state) + ", not " +
                                       stateName(job.state));
    if (!isJson(job.requestJson, JsonKind::Object))
        return Status::invalidArgument("job " + job.id + ": request is not a JSON object");
    if (!isSha256Hex(job.requestHash))
        return Status::invalidArgument("job " + job.id + ": request hash is not lowercase hex SHA-256");
    if (job.idempotencyKey && job.idempotencyKey->empty())
        return Status::invalidArgument("job " + job.id + ": empty idempotency key");
    if (job.patientRef && job.patientRef->empty())
        return Status::invalidArgument("job " + job.id + ": empty patient reference");
    if (job.pageCount < 0 || job.attempt < 0)
        return Status::invalidArgument("job " + job.id + ": negative page count or attempt");
    if (!isJson(job.warningsJson, JsonKind::Array))
        return Status::invalidArgument("job " + job.id + ": warnings are not a JSON array");
    if (actor.empty()) return Status::invalidArgument("job " + job.id + ": empty actor");
    return Status::ok();
}

struct Where {
    std::string sql;  // "" or " WHERE ..."
    std::vector<Param> params;
};

Result<Where> whereClause(const JobFilter& filter) {
    Where w;
    std::vector<std::string> terms;
    auto add = [&](const char* term, Param value) {
        terms.push_back(term);
        w.params.push_back(std::move(value));
    };
    if (filter.sheetId) add("sheet_id = ?", *filter.sheetId);
    if (filter.state) {
        if (!parseState(*filter.state)) return Status::invalidArgument("unknown job state '" + *filter.state + "'");
        add("state = ?", *filter.state);
    }
    if (filter.destination) add("destination = ?", *filter.destination);
    if (filter.patientRef) add("patient_ref = ?", *filter.patientRef);
    if (filter.office) add("office = ?", *filter.office);
    if (filter.channel) add("channel = ?", channelName(*filter.channel));
    if (filter.fromUs) add("created_at_us >= ?", static_cast<Poco::Int64>(*filter.fromUs));
    if (filter.toUs) add("created_at_us < ?", static_cast<Poco::Int64>(*filter.toUs));
    for (size_t i = 0; i < terms.size(); ++i) w.sql += (i == 0 ? " WHERE " : " AND ") + terms[i];
    return w;
}

// One UPDATE for a state change (state "" keeps it) and the changed columns.
void applyChanges(Session& s, const std::string& id, const std::string& state, bool retry, const JobChanges& changes,
                  const std::string& at) {
    std::string sql = "UPDATE jobs SET updated_at = ?";
    std::vector<Param> params = {at};
    auto set = [&](const char* column, Param value) {
        sql += std::string(", ") + column + " = ?";
        params.push_back(std::move(value));
    };
    if (!state.empty()) set("state", state);
    if (retry) sql += ", attempt = attempt + 1";
    if (changes.pageCount) set("page_count", static_cast<Poco::Int64>(*changes.pageCount));
    if (changes.warningsJson) set("warnings_json", *changes.warningsJson);
    // A retried job starts clean; an old error next to a new state would mislead.
    if (changes.errorCode || retry) set("error_code", changes.errorCode.value_or(""));
    if (changes.errorMessage || retry) set("error_message", changes.errorMessage.value_or(""));
    if (changes.deliveryJson) set("delivery_json", *changes.deliveryJson);
    if (changes.heldUntilUs) set("held_until_us", static_cast<Poco::Int64>(*changes.heldUntilUs));
    if (changes.sentAt) set("sent_at", *changes.sentAt);
    if (changes.receiptJson) set("receipt_json", *changes.receiptJson);
    sql += " WHERE id = ?";
    params.push_back(id);
    prepared(s, sql, params).execute();
}

// Patient data lives in this file: create it owner-only before SQLite does
// (SQLite would use 0644 under the usual umask, and gives the -wal and -shm
// files the database file's mode).
Status createOwnerOnly(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        return Status::fromErrno(err, "open job store " + path + ": " + std::strerror(err));
    }
    ::close(fd);
    return Status::ok();
}

Status migrate(Session& s, const common::Clock& clock) {
    WriteTransaction tx(s);
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
        m.apply(s);
        s << "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", bind(m.version),
            bind(common::isoJst(clock.now())), now;
    }
    tx.commit();
    return Status::ok();
}

std::once_flag registerOnce;

// Conflicts a new job can meet: checked inside the write transaction, so no
// other writer can slip in between.
Status checkUnique(Session& s, const Job& job) {
    if (jobExists(s, job.id)) return Status::conflict("job " + job.id + " already exists");
    if (job.idempotencyKey) {
        std::vector<std::string> holder;
        s << "SELECT id FROM jobs WHERE idempotency_key = ?", bind(*job.idempotencyKey), into(holder), now;
        if (!holder.empty()) return Status::conflict("idempotency key already used by job " + holder.front());
    }
    return Status::ok();
}

// The job's row and its "accepted" event, at `created`.
void insertJob(Session& s, const Job& job, const std::string& actor, const Poco::Timestamp& created,
               const std::string& updatedAt) {
    const std::string at = common::isoJst(created);
    s << "INSERT INTO jobs (id, sheet_id, channel, destination, state, request_json, request_hash,"
         " idempotency_key, patient_ref, page_count, warnings_json, error_code, error_message, attempt,"
         " created_at, updated_at, created_at_us, office, delivery_json, held_until_us)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        bind(job.id), bind(job.sheetId), bind(channelName(job.channel)), bind(job.destination),
        bind(stateName(job.state)), bind(job.requestJson), bind(job.requestHash), bind(job.idempotencyKey.value_or("")),
        bind(job.patientRef.value_or("")), bind(job.pageCount), bind(job.warningsJson), bind(job.errorCode),
        bind(job.errorMessage), bind(job.attempt), bind(at), bind(updatedAt),
        bind(static_cast<Poco::Int64>(created.epochMicroseconds())), bind(job.office), bind(job.deliveryJson),
        bind(static_cast<Poco::Int64>(job.heldUntilUs)), now;
    insertEvent(s, job.id, "accepted", at, actor, "{}");
}

}  // namespace

// An open descriptor of the write-ahead log, shared by the threads syncing it.
struct JobStore::LogFile {
    int fd = -1;
    ~LogFile() {
        if (fd >= 0) ::close(fd);
    }
    static Result<std::shared_ptr<const LogFile>> open(const std::string& path) {
        auto log = std::make_shared<LogFile>();
        // Created owner-only if SQLite has not made it yet (an empty log is a valid one).
        log->fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
        if (log->fd < 0) {
            const int err = errno;
            return Status::fromErrno(err, "open job store log " + path + ": " + std::strerror(err));
        }
        return std::shared_ptr<const LogFile>(std::move(log));
    }
};

JobStore::JobStore(std::unique_ptr<Session> session, std::string logPath, std::shared_ptr<const LogFile> log,
                   std::unique_ptr<Checkpointer> checkpointer, const common::Clock& clock)
    : session_(std::move(session)), clock_(clock), logPath_(std::move(logPath)), log_(std::move(log)),
      checkpointer_(std::move(checkpointer)) {}

JobStore::~JobStore() = default;

Result<std::unique_ptr<JobStore>> JobStore::open(const std::string& dbPath, const common::Clock& clock,
                                                 const JobStoreOptions& options) {
    if (dbPath.empty()) return Status::invalidArgument("job store path is empty");
    if (options.busyTimeoutMs < 0) return Status::invalidArgument("job store busy timeout is negative");
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
        Status migrated = migrate(s, clock);
        if (!migrated) return migrated;
        const std::string logPath = dbPath + "-wal";
        auto log = LogFile::open(logPath);
        if (!log) return log.status();
        auto checkpointer = Checkpointer::start(dbPath, kCheckpointIntervalMs);
        if (!checkpointer) return checkpointer.status();
        return std::unique_ptr<JobStore>(new JobStore(std::move(session), logPath, std::move(log).value(),
                                                      std::move(checkpointer).value(), clock));
    });
}

Result<int> JobStore::schemaVersion() const {
    return guarded("read job store schema version", [&]() -> Result<int> {
        std::lock_guard<std::mutex> lock(mutex_);
        int version = 0;
        *session_ << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(version), now;
        return version;
    });
}

Status JobStore::create(const Job& job, const std::string& actor) {
    Status valid = checkNewJob(job, actor, JobState::Accepted);
    if (!valid) return valid;
    return durable(guarded("create job " + job.id, [&]() -> Status {
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        Status unique = checkUnique(s, job);
        if (!unique) return unique;
        const Poco::Timestamp t = clock_.now();
        insertJob(s, job, actor, t, common::isoJst(t));
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
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        Status unique = checkUnique(s, job);
        if (!unique) return unique;
        const std::string at = common::isoJst(clock_.now());
        insertJob(s, job, actor, Poco::Timestamp(job.createdAtUs), at);
        Status stored = insertDocuments(s, job.id, documents, shas, at);
        if (!stored) return stored;
        insertEvent(s, job.id, "rendered", at, actor, renderedDetailJson);
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<Job> JobStore::get(const std::string& id) const {
    return guarded("get job " + id, [&]() -> Result<Job> {
        std::lock_guard<std::mutex> lock(mutex_);
        return selectOneJob(*session_, "WHERE id = ?", {id}, "no job " + id);
    });
}

Result<Job> JobStore::findByIdempotencyKey(const std::string& key) const {
    if (key.empty()) return Status::notFound("no job for an empty idempotency key");
    return guarded("find job by idempotency key", [&]() -> Result<Job> {
        std::lock_guard<std::mutex> lock(mutex_);
        return selectOneJob(*session_, "WHERE idempotency_key = ?", {key}, "no job for this idempotency key");
    });
}

Result<Job> JobStore::findRecentDuplicate(const std::string& requestHash, long long sinceUs) const {
    return guarded("find duplicate job", [&]() -> Result<Job> {
        std::lock_guard<std::mutex> lock(mutex_);
        // rowid breaks ties between jobs created in the same microsecond: the later insert wins.
        return selectOneJob(*session_,
                            "WHERE request_hash = ? AND created_at_us >= ? ORDER BY created_at_us DESC, rowid DESC",
                            {requestHash, static_cast<Poco::Int64>(sinceUs)}, "no recent job with this request");
    });
}

Status JobStore::syncLog() const {
    std::unique_lock<std::mutex> lock(logMutex_);
    // Whatever this caller committed is covered by any sync that starts from
    // now on. While one runs, later callers wait and the next sync covers
    // them all (group commit): one sync at a time, each for many commits.
    const unsigned long long ticket = ++syncRequests_;
    while (syncedRequests_ < ticket) {
        if (syncing_) {
            logSynced_.wait(lock);
            continue;
        }
        syncing_ = true;
        const unsigned long long covers = syncRequests_;
        auto log = currentLog();
        Status synced = log.status();
        lock.unlock();
        if (synced && ::fdatasync(log.value()->fd) != 0) {
            const int err = errno;
            synced = Status::fromErrno(err, "sync job store log " + logPath_ + ": " + std::strerror(err));
        }
        lock.lock();
        syncing_ = false;
        if (synced) syncedRequests_ = std::max(syncedRequests_, covers);
        logSynced_.notify_all();
        if (!synced) return synced;
    }
    return Status::ok();
}

Result<std::shared_ptr<const JobStore::LogFile>> JobStore::currentLog() const {
    // The same file as when it was opened? Only someone switching the journal
    // mode by hand could replace it, but then syncing the old one would
    // silently make nothing durable.
    struct stat named = {}, opened = {};
    bool same = log_ && ::stat(logPath_.c_str(), &named) == 0 && ::fstat(log_->fd, &opened) == 0 &&
                named.st_ino == opened.st_ino && named.st_dev == opened.st_dev;
    if (!same) {
        auto reopened = LogFile::open(logPath_);
        if (!reopened) return reopened.status();
        log_ = std::move(reopened).value();
    }
    return log_;
}

Status JobStore::durable(Status committed, Sync sync) const {
    if (!committed) return committed;
    checkpointer_->noteCommit();
    return sync == Sync::Deferred ? committed : syncLog();
}

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
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        std::vector<std::string> current;
        s << "SELECT state FROM jobs WHERE id = ?", bind(id), into(current), now;
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
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        if (!jobExists(s, id)) return Status::notFound("no job " + id);
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
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        if (!jobExists(s, jobId)) return Status::notFound("no job " + jobId);
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
        std::lock_guard<std::mutex> lock(mutex_);
        *session_ << "SELECT bytes, sha256, size FROM documents WHERE job_id = ? AND format = ?", bind(jobId),
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
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        WriteTransaction tx(s);
        if (!jobExists(s, jobId)) return Status::notFound("no job " + jobId);
        insertEvent(s, jobId, kind, common::isoJst(clock_.now()), actor, detailJson);
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<std::vector<Event>> JobStore::events(const std::string& jobId) const {
    return guarded("read events of job " + jobId, [&]() -> Result<std::vector<Event>> {
        std::lock_guard<std::mutex> lock(mutex_);
        Session& s = *session_;
        if (!jobExists(s, jobId)) return Status::notFound("no job " + jobId);
        std::vector<Poco::Int64> seqs;
        std::vector<std::string> kinds, ats, actors, details;
        s << "SELECT seq, kind, at, actor, detail FROM events WHERE job_id = ? ORDER BY seq", bind(jobId),
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
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<Param> params = where->params;
        params.push_back(static_cast<Poco::Int64>(filter.limit));
        params.push_back(static_cast<Poco::Int64>(filter.offset));
        return selectJobs(*session_, where->sql + " ORDER BY created_at_us DESC, rowid DESC LIMIT ? OFFSET ?",
                          params);
    });
}

Result<long long> JobStore::count(const JobFilter& filter) const {
    auto where = whereClause(filter);
    if (!where) return where.status();
    return guarded("count jobs", [&]() -> Result<long long> {
        std::lock_guard<std::mutex> lock(mutex_);
        Poco::Int64 n = 0;
        Statement st = prepared(*session_, "SELECT COUNT(*) FROM jobs" + where->sql, where->params);
        st, into(n);
        st.execute();
        return static_cast<long long>(n);
    });
}

Result<std::vector<Job>> JobStore::unfinished() const {
    return guarded("list unfinished jobs", [&]() -> Result<std::vector<Job>> {
        std::lock_guard<std::mutex> lock(mutex_);
        return selectJobs(*session_,
                          "WHERE state IN ('accepted', 'rendering', 'rendered', 'held')"
                          " ORDER BY created_at_us, rowid",
                          {});
    });
}

Status JobStore::purgeIdempotencyKeys(long long olderThanUs) {
    return durable(guarded("purge idempotency keys", [&]() -> Status {
        std::lock_guard<std::mutex> lock(mutex_);
        *session_ << "UPDATE jobs SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND created_at_us < ?",
            bind(static_cast<Poco::Int64>(olderThanUs)), now;
        return Status::ok();
    }), Sync::Full);
}

}  // namespace jobs

namespace jobs {

Result<std::vector<Job>> JobStore::dueHeld(long long nowUs) const {
    return guarded("list due held jobs", [&]() -> Result<std::vector<Job>> {
        std::lock_guard<std::mutex> lock(mutex_);
        return selectJobs(*session_, "WHERE state = 'held' AND held_until_us <= ? ORDER BY held_until_us, rowid",
                          {static_cast<Poco::Int64>(nowUs)});
    });
}

Status JobStore::appendAudit(const AuditEntry& e) {
    if (e.count < 1) return Status::invalidArgument("audit entry count must be at least 1");
    return durable(guarded("append audit entry", [&]() -> Status {
        std::lock_guard<std::mutex> lock(mutex_);
        const Poco::Timestamp t = e.atUs > 0 ? Poco::Timestamp(e.atUs) : clock_.now();
        *session_ << "INSERT INTO audit (at, at_us, office, role, method, route, job_id, client, status, request_count)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            bind(common::isoJst(t)), bind(static_cast<Poco::Int64>(t.epochMicroseconds())), bind(e.office),
            bind(e.role), bind(e.method), bind(e.route), bind(e.jobId), bind(e.client), bind(e.status),
            bind(e.count), now;
        return Status::ok();
    }), Sync::Deferred);
}

Result<std::vector<AuditEntry>> JobStore::audit(const AuditFilter& filter) const {
    if (filter.limit < 1 || filter.limit > kMaxListLimit || filter.offset < 0)
        return Status::invalidArgument("audit limit must be 1.." + std::to_string(kMaxListLimit));
    return guarded("read audit trail", [&]() -> Result<std::vector<AuditEntry>> {
        std::lock_guard<std::mutex> lock(mutex_);
        std::string sql =
            "SELECT seq, at, at_us, office, role, method, route, job_id, client, status, request_count FROM audit";
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
        Statement st = prepared(*session_, sql, params);
        std::vector<Poco::Int64> seq, atUs;
        std::vector<std::string> at, office, role, method, route, jobId, client;
        std::vector<int> status, count;
        st, into(seq), into(at), into(atUs), into(office), into(role), into(method), into(route), into(jobId),
            into(client), into(status), into(count);
        st.execute();
        std::vector<AuditEntry> out;
        for (size_t i = 0; i < seq.size(); ++i)
            out.push_back({seq[i], at[i], atUs[i], office[i], role[i], method[i], route[i], jobId[i], client[i],
                           status[i], count[i]});
        return out;
    });
}

}  // namespace jobs
