// GroupCommitLog: makes the job store's commits durable. The store commits
// to SQLite's write-ahead log without a sync (synchronous = NORMAL) while it
// holds its lock; a write that must survive a power loss then calls sync()
// after the lock is released. One fdatasync covers every commit made before
// it started, so concurrent writers share syncs instead of queueing behind
// each other's (group commit). Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace jobs {

class GroupCommitLog {
public:
    // Opens the log at path (the database path + "-wal"), creating it
    // owner-only if SQLite has not made it yet (an empty log is a valid one).
    // IOError (StorageFull for a full disk) when it cannot be opened.
    static common::Result<std::unique_ptr<GroupCommitLog>> open(const std::string& path);
    ~GroupCommitLog();
    GroupCommitLog(const GroupCommitLog&) = delete;
    GroupCommitLog& operator=(const GroupCommitLog&) = delete;

    // Syncs the log: every commit made before the call is on disk when it
    // returns OK. IOError or StorageFull when the sync fails; the next call
    // tries again.
    common::Status sync();

private:
    struct File;
    GroupCommitLog(std::string path, std::shared_ptr<const File> file);
    // The open log file, reopened when the name now points at another file
    // (mutex_ held).
    common::Result<std::shared_ptr<const File>> current();

    const std::string path_;
    std::mutex mutex_;
    std::condition_variable synced_;
    // Guarded by mutex_:
    std::shared_ptr<const File> file_;  // reopened if the file was replaced
    unsigned long long requests_ = 0;   // sync() calls so far
    unsigned long long covered_ = 0;    // calls covered by a finished sync
    bool syncing_ = false;
};

}  // namespace jobs
