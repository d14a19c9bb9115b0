// The received faxes' part of JobStore (job_store.h, received_fax.h): their
// rows live in the same database as the jobs, and a reply's event is written
// in the same transaction as the reply. Each received file is recorded once
// (its SHA-256 is the key), also when several instances read one inbound/.
#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "common/ids.h"
#include "jobs/job_rows.h"
#include "jobs/job_store.h"
#include "jobs/record_checks.h"
#include "jobs/store_backend.h"
#include "jobs/store_sql.h"

namespace jobs {
namespace {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::BLOB;
using Poco::Data::Session;

constexpr const char* kReplyEvent = "reply_received";

// detailJson (an object) with "replyId" added.
std::string withReplyId(const std::string& detailJson, long long replyId) {
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr o = parser.parse(detailJson).extract<Poco::JSON::Object::Ptr>();
    o->set("replyId", replyId);
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

BLOB blobOf(const std::string& bytes) {
    return BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string bytesOf(const BLOB& blob) { return std::string(reinterpret_cast<const char*>(blob.rawContent()), blob.size()); }

long long insertReply(Session& s, Engine engine, const ReceivedReply& r, const std::string& at) {
    const std::string sha = common::sha256Hex(r.pdf);
    s << sql(s, "INSERT INTO received_replies (job_id, received_at, sender, pages_json, source_sha256, pdf, sha256,"
                " size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(r.jobId), bind(r.receivedAt), bind(r.sender), bind(r.pagesJson), bind(r.sourceSha256), bind(blobOf(r.pdf)),
        bind(sha), bind(static_cast<Poco::Int64>(r.pdf.size())), bind(at), now;
    Poco::Int64 id = 0;
    s << (engine == Engine::PostgreSQL ? "SELECT lastval()" : "SELECT last_insert_rowid()"), into(id), now;
    return id;
}

Status checkReply(const ReceivedReply& r, const std::string& detailJson, const std::string& actor) {
    if (r.pdf.empty()) return Status::invalidArgument("empty received document for job " + r.jobId);
    if (!isJson(r.pagesJson, JsonKind::Array))
        return Status::invalidArgument("malformed pages of a reply to job " + r.jobId);
    return checkEvent(kReplyEvent, actor, detailJson);
}

}  // namespace

Result<bool> JobStore::receivedFileSeen(const std::string& sha256) const {
    return guarded("look up received file", [&]() -> Result<bool> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        int n = 0;
        s << sql(s, "SELECT COUNT(*) FROM received_files WHERE sha256 = ?"), bind(sha256), into(n), now;
        return n > 0;
    });
}

Status JobStore::recordReceivedFile(const ReceivedFile& file, const std::string& actor) {
    if (file.sha256.size() != 64) return Status::invalidArgument("received file without its SHA-256");
    if (file.replies.size() != file.replyEventDetails.size())
        return Status::invalidArgument("one event detail per received reply");
    for (size_t i = 0; i < file.replies.size(); ++i) {
        Status ok = checkReply(file.replies[i], file.replyEventDetails[i], actor);
        if (!ok) return ok;
    }
    for (const InboxEntry& e : file.inbox)
        if (e.format != "pdf" && e.format != "original") return Status::invalidArgument("unknown inbox format");
    return durable(guarded("record received file " + file.name, [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        const std::string at = common::isoJst(clock_.now());
        // ON CONFLICT DO NOTHING: on PostgreSQL another instance reading the
        // same inbound/ may record the file at the same moment; this insert
        // then waits for its commit and stores nothing.
        Poco::Data::Statement first(s);
        first << sql(s, "INSERT INTO received_files (sha256, name, outcome, processed_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING"),
            bind(file.sha256), bind(file.name), bind(file.outcome), bind(at);
        if (first.execute() == 0) return Status::conflict("received file " + file.sha256 + " was recorded before");
        for (size_t i = 0; i < file.replies.size(); ++i) {
            const ReceivedReply& r = file.replies[i];
            if (!jobExists(s, r.jobId)) return Status::notFound("no job " + r.jobId);
            const long long id = insertReply(s, backend_->dialect().engine, r, at);
            insertEvent(s, r.jobId, kReplyEvent, at, actor, withReplyId(file.replyEventDetails[i], id));
        }
        for (const InboxEntry& e : file.inbox) {
            s << sql(s, "INSERT INTO inbox (received_at, sender, office, reason, reason_message, format, bytes, sha256,"
                        " size, source_name, source_sha256, source_page, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                bind(e.receivedAt), bind(e.sender), bind(e.office), bind(e.reason), bind(e.reasonMessage),
                bind(e.format), bind(blobOf(e.bytes)), bind(common::sha256Hex(e.bytes)),
                bind(static_cast<Poco::Int64>(e.bytes.size())), bind(e.sourceName), bind(e.sourceSha256),
                bind(e.sourcePage), bind(at), now;
        }
        tx.commit();
        return Status::ok();
    }), Sync::Full);
}

Result<std::vector<ReceivedReply>> JobStore::replies(const std::string& jobId) const {
    return guarded("read replies of job " + jobId, [&]() -> Result<std::vector<ReceivedReply>> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        std::vector<Poco::Int64> ids, sizes;
        std::vector<std::string> receivedAt, sender, pages, source, created;
        s << sql(s, "SELECT id, received_at, sender, pages_json, source_sha256, size, created_at"
                     " FROM received_replies WHERE job_id = ? ORDER BY id"),
            bind(jobId), into(ids), into(receivedAt), into(sender), into(pages), into(source), into(sizes),
            into(created), now;
        std::vector<ReceivedReply> out;
        for (size_t i = 0; i < ids.size(); ++i)
            out.push_back({ids[i], jobId, receivedAt[i], sender[i], pages[i], source[i], "", sizes[i], created[i]});
        return out;
    });
}

Result<ReceivedReply> JobStore::reply(const std::string& jobId, long long replyId) const {
    return guarded("read reply of job " + jobId, [&]() -> Result<ReceivedReply> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        std::vector<std::string> receivedAt, sender, pages, source, sha, created;
        std::vector<BLOB> pdf;
        s << sql(s, "SELECT received_at, sender, pages_json, source_sha256, pdf, sha256, created_at"
                     " FROM received_replies WHERE job_id = ? AND id = ?"),
            bind(jobId), bind(static_cast<Poco::Int64>(replyId)), into(receivedAt), into(sender), into(pages),
            into(source), into(pdf), into(sha), into(created), now;
        if (pdf.empty()) return Status::notFound("job " + jobId + " has no reply " + std::to_string(replyId));
        std::string bytes = bytesOf(pdf.front());
        if (common::sha256Hex(bytes) != sha.front())
            return Status::ioError("stored reply " + std::to_string(replyId) + " is corrupt (checksum mismatch)");
        const auto size = static_cast<long long>(bytes.size());
        return ReceivedReply{replyId,   jobId,           receivedAt[0], sender[0], pages[0], source[0],
                             std::move(bytes), size,     created[0]};
    });
}

Result<std::vector<InboxEntry>> JobStore::inbox(const std::string& office, bool allOffices) const {
    return guarded("read inbox", [&]() -> Result<std::vector<InboxEntry>> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        std::vector<Poco::Int64> ids, sizes;
        std::vector<std::string> receivedAt, sender, offices, reason, message, format, name, source, created;
        std::vector<int> page;
        s << sql(s, "SELECT id, received_at, sender, office, reason, reason_message, format, size, source_name,"
                     " source_sha256, source_page, created_at FROM inbox WHERE ? = 1 OR office = ? ORDER BY id DESC"),
            bind(allOffices ? 1 : 0), bind(office), into(ids), into(receivedAt), into(sender), into(offices),
            into(reason), into(message), into(format), into(sizes), into(name), into(source), into(page),
            into(created), now;
        std::vector<InboxEntry> out;
        for (size_t i = 0; i < ids.size(); ++i)
            out.push_back({ids[i], receivedAt[i], sender[i], offices[i], reason[i], message[i], format[i], "",
                           sizes[i], name[i], source[i], page[i], created[i]});
        return out;
    });
}

Result<InboxEntry> JobStore::inboxEntry(long long id) const {
    return guarded("read inbox entry", [&]() -> Result<InboxEntry> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        std::vector<std::string> receivedAt, sender, offices, reason, message, format, sha, name, source, created;
        std::vector<BLOB> bytes;
        std::vector<int> page;
        s << sql(s, "SELECT received_at, sender, office, reason, reason_message, format, bytes, sha256, source_name,"
                     " source_sha256, source_page, created_at FROM inbox WHERE id = ?"),
            bind(static_cast<Poco::Int64>(id)), into(receivedAt), into(sender), into(offices), into(reason),
            into(message), into(format), into(bytes), into(sha), into(name), into(source), into(page), into(created),
            now;
        if (bytes.empty()) return Status::notFound("no inbox entry " + std::to_string(id));
        std::string b = bytesOf(bytes.front());
        if (common::sha256Hex(b) != sha.front())
            return Status::ioError("stored inbox entry " + std::to_string(id) + " is corrupt (checksum mismatch)");
        const auto size = static_cast<long long>(b.size());
        return InboxEntry{id,     receivedAt[0], sender[0], offices[0], reason[0], message[0], format[0],
                          std::move(b), size, name[0], source[0], page[0], created[0]};
    });
}

Result<long long> JobStore::assignInboxEntry(long long id, const std::string& jobId, const std::string& pagesJson,
                                             const std::string& actor, const std::string& detailJson) {
    Status valid = checkEvent(kReplyEvent, actor, detailJson);
    if (valid && !isJson(pagesJson, JsonKind::Array)) valid = Status::invalidArgument("malformed reply pages");
    if (!valid) return valid;
    long long replyId = 0;
    Status done = durable(guarded("assign inbox entry " + std::to_string(id), [&]() -> Status {
        Lease lease = backend_->lease();
        Session& s = *lease;
        WriteTransaction tx(s, backend_->dialect().engine);
        std::vector<std::string> receivedAt, sender, format, source;
        std::vector<BLOB> bytes;
        s << sql(s, std::string("SELECT received_at, sender, format, source_sha256, bytes FROM inbox WHERE id = ?") +
                        backend_->dialect().lockRow),
            bind(static_cast<Poco::Int64>(id)), into(receivedAt), into(sender), into(format), into(source),
            into(bytes), now;
        if (bytes.empty()) return Status::notFound("no inbox entry " + std::to_string(id));
        if (format.front() != "pdf")
            return Status::invalidArgument("inbox entry " + std::to_string(id) + " holds no readable page");
        if (!jobExists(s, jobId)) return Status::notFound("no job " + jobId);
        const std::string at = common::isoJst(clock_.now());
        ReceivedReply r;
        r.jobId = jobId;
        r.receivedAt = receivedAt.front();
        r.sender = sender.front();
        r.pagesJson = pagesJson;
        r.sourceSha256 = source.front();
        r.pdf = bytesOf(bytes.front());
        replyId = insertReply(s, backend_->dialect().engine, r, at);
        insertEvent(s, jobId, kReplyEvent, at, actor, withReplyId(detailJson, replyId));
        s << sql(s, "DELETE FROM inbox WHERE id = ?"), bind(static_cast<Poco::Int64>(id)), now;
        tx.commit();
        return Status::ok();
    }), Sync::Full);
    if (!done) return done;
    return replyId;
}

Result<std::vector<std::string>> JobStore::officesFaxing(const std::string& destination) const {
    return guarded("offices faxing " + destination, [&]() -> Result<std::vector<std::string>> {
        Lease lease = backend_->lease();
        Session& s = *lease;
        std::vector<std::string> offices;
        s << sql(s, "SELECT DISTINCT office FROM jobs WHERE channel = 'fax' AND destination = ? ORDER BY office"),
            bind(destination), into(offices), now;
        return offices;
    });
}

}  // namespace jobs
