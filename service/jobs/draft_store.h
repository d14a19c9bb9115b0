// DraftStore: sheets an office has started but not sent, kept on the server so
// a care manager can stop and resume on another PC. Each draft belongs to one
// office and is only ever read, listed, changed or deleted for that office.
// Drafts are incomplete by nature: their fields are stored as given, not
// validated. One SQLite file (drafts.db, 0600) beside the job store; drafts
// not saved for keepDays are deleted. The file is opened on first use, and
// again after a failure, so a disk that was full when the server started
// keeps the server up and drafts come back once there is space. Thread-safe:
// one connection behind a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace Poco::Data {
class Session;
}

namespace jobs {

struct Draft {
    std::string id;           // 32 lowercase hex digits, set by create()
    std::string office;       // owner: the office (partner id) of whoever saved it; "" without access control
    std::string sheetId;      // template id
    std::string title;        // shown in the list; may be ""
    std::string patientRef;   // the office's client reference; may be ""
    std::string sourceJobId;  // the job it was copied from ("copy as new"); may be ""
    std::string contentJson;  // JSON object: {"fields": {...}, and whatever else the client keeps}
    int revision = 0;         // 1 on create, +1 with every update
    long long sizeBytes = 0;  // of contentJson
    std::string createdAt;    // ISO 8601 +09:00, set by the store
    std::string updatedAt;
};

struct DraftLimits {
    long long maxBytes = 256 * 1024;  // drafts.maxBytes: largest contentJson plus title and reference
    int perOffice = 200;              // drafts.perOffice
    int keepDays = 90;                // drafts.keepDays
};

class DraftStore {
public:
    // The store of the file at path, not yet opened. The clock must outlive the store.
    DraftStore(std::string path, const common::Clock& clock, DraftLimits limits);
    ~DraftStore();
    DraftStore(const DraftStore&) = delete;
    DraftStore& operator=(const DraftStore&) = delete;

    // Opens (creating owner-only if needed) the file now rather than on first
    // use. IOError or StorageFull when it cannot; every call below tries again.
    common::Status open();

    // Stores a new draft for draft.office and returns it with its id,
    // revision and times. TooLarge past maxBytes, Conflict when the office
    // already keeps perOffice drafts, StorageFull when the disk is full,
    // IOError when the file cannot be opened (as every call below).
    common::Result<Draft> create(const Draft& draft);
    // NotFound for an unknown id or another office's draft.
    common::Result<Draft> get(const std::string& office, const std::string& id) const;
    // The office's drafts, most recently saved first, without contentJson.
    common::Result<std::vector<Draft>> list(const std::string& office) const;
    // Replaces title, patientRef and contentJson. expectedRevision 0 takes any
    // revision; another one that is not current is a Conflict (someone else
    // saved it meanwhile). NotFound and TooLarge as above.
    common::Result<Draft> update(const std::string& office, const std::string& id, int expectedRevision,
                                 const Draft& changes);
    // NotFound for an unknown id or another office's draft.
    common::Status remove(const std::string& office, const std::string& id);

    const DraftLimits& limits() const { return limits_; }

private:
    common::Status checkSize(const Draft& draft) const;
    // Opens the file unless it is open; the caller holds mutex_.
    common::Status openLocked() const;
    void purgeLocked();

    const std::string path_;
    const common::Clock& clock_;
    const DraftLimits limits_;
    mutable std::mutex mutex_;
    mutable std::unique_ptr<Poco::Data::Session> session_;  // guarded by mutex_; null until opened
};

}  // namespace jobs
