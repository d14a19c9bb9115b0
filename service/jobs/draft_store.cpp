#include "jobs/draft_store.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/ids.h"

namespace jobs {
namespace {

using namespace Poco::Data::Keywords;
using common::Result;
using common::Status;
using Poco::Data::Session;

std::once_flag registerOnce;

constexpr long long kUsPerDay = 86400LL * 1000000;

// As in the job store: whatever Poco throws becomes a Status with context.
template <typename F>
auto guarded(const std::string& context, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Poco::Data::SQLite::DBLockedException& e) {
        return Status::unavailable(context + ": database is busy: " + e.displayText());
    } catch (const Poco::Data::SQLite::DatabaseFullException& e) {
        return Status::storageFull(context + ": " + e.displayText());
    } catch (const Poco::Exception& e) {
        return Status::ioError(context + ": " + e.displayText());
    } catch (const std::exception& e) {
        return Status::internal(context + ": " + e.what());
    }
}

// Patient data: the file is created owner-only before SQLite opens it.
Status createOwnerOnly(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        return Status::fromErrno(err, "open draft store " + path + ": " + std::strerror(err));
    }
    ::close(fd);
    return Status::ok();
}

const char* const kColumns =
    "id, office, sheet, title, patient_ref, source_job, revision, size_bytes, created_at, updated_at";

// The rows of a SELECT kColumns [, content] ... query.
std::vector<Draft> selectDrafts(Session& s, const std::string& tail, const std::vector<std::string>& params,
                                bool withContent) {
    std::vector<std::string> id, office, sheet, title, ref, source, created, updated, content;
    std::vector<int> revision;
    std::vector<Poco::Int64> size;
    Poco::Data::Statement st(s);
    st << std::string("SELECT ") + kColumns + (withContent ? ", content" : ", ''") + " FROM drafts " + tail;
    for (const auto& p : params) st, bind(p);
    st, into(id), into(office), into(sheet), into(title), into(ref), into(source), into(revision), into(size),
        into(created), into(updated), into(content);
    st.execute();
    std::vector<Draft> out;
    for (size_t i = 0; i < id.size(); ++i)
        out.push_back({id[i], office[i], sheet[i], title[i], ref[i], source[i], content[i], revision[i], size[i],
                       created[i], updated[i]});
    return out;
}

}  // namespace

DraftStore::DraftStore(std::string path, const common::Clock& clock, DraftLimits limits)
    : path_(std::move(path)), clock_(clock), limits_(limits) {}

DraftStore::~DraftStore() = default;

Status DraftStore::open() {
    std::lock_guard<std::mutex> lock(mutex_);
    return openLocked();
}

Status DraftStore::openLocked() const {
    if (session_) return Status::ok();
    Status created = createOwnerOnly(path_);
    if (!created) return created;
    return guarded("open draft store " + path_, [&]() -> Status {
        std::call_once(registerOnce, [] { Poco::Data::SQLite::Connector::registerConnector(); });
        auto session = std::make_unique<Session>("SQLite", path_);
        Session& s = *session;
        int timeoutMs = 0;
        s << "PRAGMA busy_timeout = 5000", into(timeoutMs), now;
        std::string mode;
        s << "PRAGMA journal_mode = WAL", into(mode), now;
        // A draft is what a care manager typed: synced when saved.
        s << "PRAGMA synchronous = FULL", now;
        s << "CREATE TABLE IF NOT EXISTS drafts ("
             " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),"
             " office TEXT NOT NULL,"
             " sheet TEXT NOT NULL,"
             " title TEXT NOT NULL,"
             " patient_ref TEXT NOT NULL,"
             " source_job TEXT NOT NULL,"
             " content TEXT NOT NULL,"
             " revision INTEGER NOT NULL,"
             " size_bytes INTEGER NOT NULL,"
             " created_at TEXT NOT NULL,"
             " updated_at TEXT NOT NULL,"
             " updated_us INTEGER NOT NULL)",
            now;
        s << "CREATE INDEX IF NOT EXISTS drafts_by_office ON drafts (office, updated_us)", now;
        session_ = std::move(session);
        return Status::ok();
    });
}

Status DraftStore::checkSize(const Draft& draft) const {
    const long long bytes =
        static_cast<long long>(draft.contentJson.size() + draft.title.size() + draft.patientRef.size());
    if (bytes > limits_.maxBytes)
        return Status::tooLarge("下書きが大きすぎます(上限 " + std::to_string(limits_.maxBytes / 1024) + " KiB)。");
    return Status::ok();
}

void DraftStore::purgeLocked() {
    const Poco::Int64 cutoff = clock_.now().epochMicroseconds() - limits_.keepDays * kUsPerDay;
    *session_ << "DELETE FROM drafts WHERE updated_us < ?", bind(cutoff), now;
}

Result<Draft> DraftStore::create(const Draft& draft) {
    Status sized = checkSize(draft);
    if (!sized) return sized;
    return guarded("create draft", [&]() -> Result<Draft> {
        std::lock_guard<std::mutex> lock(mutex_);
        Status opened = openLocked();
        if (!opened) return opened;
        Session& s = *session_;
        purgeLocked();
        int count = 0;
        s << "SELECT COUNT(*) FROM drafts WHERE office = ?", bind(draft.office), into(count), now;
        if (count >= limits_.perOffice)
            return Status::conflict("下書きが上限(" + std::to_string(limits_.perOffice) +
                                    "件)に達しています。不要な下書きを削除してください。");
        const Poco::Timestamp t = clock_.now();
        const std::string at = common::isoJst(t);
        Draft d = draft;
        d.id = common::newJobId();
        d.revision = 1;
        d.sizeBytes = static_cast<long long>(d.contentJson.size());
        d.createdAt = d.updatedAt = at;
        s << "INSERT INTO drafts (id, office, sheet, title, patient_ref, source_job, content, revision, size_bytes,"
             " created_at, updated_at, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            bind(d.id), bind(d.office), bind(d.sheetId), bind(d.title), bind(d.patientRef), bind(d.sourceJobId),
            bind(d.contentJson), bind(d.revision), bind(static_cast<Poco::Int64>(d.sizeBytes)), bind(at), bind(at),
            bind(static_cast<Poco::Int64>(t.epochMicroseconds())), now;
        return d;
    });
}

Result<Draft> DraftStore::get(const std::string& office, const std::string& id) const {
    return guarded("read draft", [&]() -> Result<Draft> {
        std::lock_guard<std::mutex> lock(mutex_);
        Status opened = openLocked();
        if (!opened) return opened;
        auto rows = selectDrafts(*session_, "WHERE id = ? AND office = ?", {id, office}, true);
        if (rows.empty()) return Status::notFound("下書きが見つかりません。");
        return rows.front();
    });
}

Result<std::vector<Draft>> DraftStore::list(const std::string& office) const {
    return guarded("list drafts", [&]() -> Result<std::vector<Draft>> {
        std::lock_guard<std::mutex> lock(mutex_);
        Status opened = openLocked();
        if (!opened) return opened;
        return selectDrafts(*session_, "WHERE office = ? ORDER BY updated_us DESC, id", {office}, false);
    });
}

Result<Draft> DraftStore::update(const std::string& office, const std::string& id, int expectedRevision,
                                 const Draft& changes) {
    Status sized = checkSize(changes);
    if (!sized) return sized;
    return guarded("update draft", [&]() -> Result<Draft> {
        std::lock_guard<std::mutex> lock(mutex_);
        Status opened = openLocked();
        if (!opened) return opened;
        Session& s = *session_;
        auto rows = selectDrafts(s, "WHERE id = ? AND office = ?", {id, office}, false);
        if (rows.empty()) return Status::notFound("下書きが見つかりません。");
        Draft d = rows.front();
        if (expectedRevision != 0 && expectedRevision != d.revision)
            return Status::conflict("この下書きは別の画面で更新されています(" + d.updatedAt +
                                    ")。開き直してから保存してください。");
        const Poco::Timestamp t = clock_.now();
        d.title = changes.title;
        d.patientRef = changes.patientRef;
        d.contentJson = changes.contentJson;
        d.sizeBytes = static_cast<long long>(d.contentJson.size());
        d.revision += 1;
        d.updatedAt = common::isoJst(t);
        s << "UPDATE drafts SET title = ?, patient_ref = ?, content = ?, revision = ?, size_bytes = ?,"
             " updated_at = ?, updated_us = ? WHERE id = ? AND office = ?",
            bind(d.title), bind(d.patientRef), bind(d.contentJson), bind(d.revision),
            bind(static_cast<Poco::Int64>(d.sizeBytes)), bind(d.updatedAt),
            bind(static_cast<Poco::Int64>(t.epochMicroseconds())), bind(id), bind(office), now;
        return d;
    });
}

Status DraftStore::remove(const std::string& office, const std::string& id) {
    return guarded("delete draft", [&]() -> Status {
        std::lock_guard<std::mutex> lock(mutex_);
        Status opened = openLocked();
        if (!opened) return opened;
        Poco::Data::Statement st(*session_);
        st << "DELETE FROM drafts WHERE id = ? AND office = ?", bind(id), bind(office);
        if (st.execute() == 0) return Status::notFound("下書きが見つかりません。");
        return Status::ok();
    });
}

}  // namespace jobs
