#include "jobs/job_rows.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/Statement.h>
#include <Poco/Data/TypeHandler.h>

#include "common/clock.h"
#include "common/ids.h"

namespace jobs {
namespace {

// Column list matching TypeHandler<jobs::Job> below. Optional text columns are
// NULL in the table (so the idempotency key can be UNIQUE) and '' here.
const char* const kJobColumns =
    "id, sheet_id, channel, destination, state, request_json, request_hash, COALESCE(idempotency_key, ''), "
    "COALESCE(patient_ref, ''), page_count, warnings_json, error_code, error_message, attempt, created_at, "
    "updated_at, created_at_us, office, delivery_json, held_until_us, sent_at, receipt_json, "
    "COALESCE((SELECT ref FROM reply_refs WHERE reply_refs.job_id = jobs.id), '')";

}  // namespace
}  // namespace jobs

// Lets Poco extract a whole jobs row (kJobColumns, in that order) into a Job.
namespace Poco::Data {
template <>
class TypeHandler<jobs::Job> {
public:
    static std::size_t size() { return 23; }

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
        TypeHandler<std::string>::extract(pos++, job.replyRef, def.replyRef, ext);
        job.heldUntilUs = heldUntilUs;

        auto parsed = jobs::parseState(state);
        // Only reachable if something other than this store wrote the row.
        if (!parsed) throw DataException("job " + job.id + " has unknown state '" + state + "'");
        job.state = *parsed;
        auto parsedChannel = jobs::parseChannel(channel);
        // The table's CHECK allows only these two.
        if (!parsedChannel) throw DataException("job " + job.id + " has unknown channel '" + channel + "'");
        job.channel = *parsedChannel;
        // Stored as "office<US>key" (scopedIdempotencyKey); the job shows the client's key.
        const size_t separator = idempotencyKey.find('\x1f');
        if (separator != std::string::npos) idempotencyKey.erase(0, separator + 1);
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
        for (int i = 0; i < 3; ++i) TypeHandler<std::string>::prepare(pos++, text, prep);
    }
};
}  // namespace Poco::Data

namespace jobs {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Session;
using Poco::Data::Statement;

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

std::string scopedIdempotencyKey(const std::string& office, const std::string& key) { return office + '\x1f' + key; }

Status checkUnique(Session& s, const Job& job) {
    if (jobExists(s, job.id)) return Status::conflict("job " + job.id + " already exists");
    if (job.idempotencyKey) {
        std::vector<std::string> holder;
        const std::string scoped = scopedIdempotencyKey(job.office, *job.idempotencyKey);
        s << sql(s, "SELECT id FROM jobs WHERE idempotency_key = ?"), bind(scoped), into(holder), now;
        if (!holder.empty()) return Status::conflict("idempotency key already used by job " + holder.front());
    }
    if (!job.replyRef.empty()) {
        std::vector<std::string> holder;
        s << sql(s, "SELECT job_id FROM reply_refs WHERE ref = ?"), bind(job.replyRef), into(holder), now;
        if (!holder.empty()) return Status::conflict("reply reference already used by job " + holder.front());
    }
    return Status::ok();
}

bool insertJob(Session& s, const Job& job, const std::string& actor, const Poco::Timestamp& created,
               const std::string& updatedAt) {
    const std::string at = common::isoJst(created);
    const std::string key = job.idempotencyKey ? scopedIdempotencyKey(job.office, *job.idempotencyKey) : "";
    // ON CONFLICT DO NOTHING: on PostgreSQL another instance may have stored
    // the same idempotency key since checkUnique() looked; this insert then
    // waits for its commit and stores nothing, rather than aborting the
    // transaction with an error whose text depends on the server's language.
    Poco::Data::Statement st(s);
    st << sql(s,
              "INSERT INTO jobs (id, sheet_id, channel, destination, state, request_json, request_hash,"
         " idempotency_key, patient_ref, page_count, warnings_json, error_code, error_message, attempt,"
         " created_at, updated_at, created_at_us, office, delivery_json, held_until_us)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          " ON CONFLICT DO NOTHING"),
        bind(job.id), bind(job.sheetId), bind(channelName(job.channel)), bind(job.destination),
        bind(stateName(job.state)), bind(job.requestJson), bind(job.requestHash), bind(key),
        bind(job.patientRef.value_or("")), bind(job.pageCount), bind(job.warningsJson), bind(job.errorCode),
        bind(job.errorMessage), bind(job.attempt), bind(at), bind(updatedAt),
        bind(static_cast<Poco::Int64>(created.epochMicroseconds())), bind(job.office), bind(job.deliveryJson),
        bind(static_cast<Poco::Int64>(job.heldUntilUs));
    if (st.execute() == 0) return false;
    if (!job.replyRef.empty()) {
        s << sql(s, "INSERT INTO reply_refs (ref, job_id, office) VALUES (?, ?, ?)"), bind(job.replyRef), bind(job.id),
            bind(job.office), now;
    }
    insertEvent(s, job.id, "accepted", at, actor, "{}");
    return true;
}

void insertEvent(Session& s, const std::string& jobId, const std::string& kind, const std::string& at,
                 const std::string& actor, const std::string& detailJson) {
    s << sql(s, "INSERT INTO events (job_id, kind, at, actor, detail) VALUES (?, ?, ?, ?, ?)"), bind(jobId), bind(kind),
        bind(at), bind(actor), bind(detailJson), now;
}

std::vector<std::string> checksums(const std::vector<FrozenDocument>& documents) {
    std::vector<std::string> out;
    for (const auto& d : documents) out.push_back(common::sha256Hex(d.bytes));
    return out;
}

Status insertDocument(Session& s, const std::string& jobId, const FrozenDocument& d, const std::string& sha,
                      const std::string& at) {
    std::vector<std::string> stored;
    s << sql(s, "SELECT sha256 FROM documents WHERE job_id = ? AND format = ?"), bind(jobId), bind(d.format), into(stored),
        now;
    if (!stored.empty()) {
        if (stored.front() == sha) return Status::ok();
        return Status::conflict("job " + jobId + " already has a different " + d.format + " document");
    }
    Poco::Data::BLOB blob(reinterpret_cast<const unsigned char*>(d.bytes.data()), d.bytes.size());
    s << sql(s, "INSERT INTO documents (job_id, format, bytes, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
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

}  // namespace jobs
