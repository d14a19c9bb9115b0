// DraftStore: sheets an office has started but not sent, kept on the server so
// a care manager can stop and resume on another PC. Each draft belongs to one
// office and is only ever read, listed, changed or deleted for that office.
// Drafts are incomplete by nature: their fields are stored as given, not
// validated. One SQLite file (drafts.db, 0600) beside the job store; drafts
// not saved for keepDays are deleted. Thread-safe: one connection behind a
// mutex.
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
    // Opens (creating owner-only if needed) the file at path. IOError when it
    // cannot be opened. The clock must outlive the store.
    static common::Result<std::unique_ptr<DraftStore>> open(const std::string& path, const common::Clock& clock,
                                                            DraftLimits limits);
    ~DraftStore();
    DraftStore(const DraftStore&) = delete;
    DraftStore& operator=(const DraftStore&) = delete;

    // Stores a new draft for draft.office and returns it with its id,
    // revision and times. TooLarge past maxBytes, Conflict when the office
    // already keeps perOffice drafts, StorageFull when the disk is full.
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
    DraftStore(std::unique_ptr<Poco::Data::Session> session, const common::Clock& clock, DraftLimits limits);
    common::Status checkSize(const Draft& draft) const;
    void purgeLocked();

    mutable std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;  // guarded by mutex_
    const common::Clock& clock_;
    DraftLimits limits_;
};

}  // namespace jobs
