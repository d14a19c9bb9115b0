#include "jobs/group_commit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ops/metrics.h"

namespace jobs {

using common::Result;
using common::Status;

// An open descriptor of the write-ahead log, shared by the threads syncing it.
struct GroupCommitLog::File {
    int fd = -1;
    ~File() {
        if (fd >= 0) ::close(fd);
    }
    static Result<std::shared_ptr<const File>> open(const std::string& path) {
        auto log = std::make_shared<File>();
        // Created owner-only if SQLite has not made it yet (an empty log is a valid one).
        log->fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
        if (log->fd < 0) {
            const int err = errno;
            return Status::fromErrno(err, "open job store log " + path + ": " + std::strerror(err));
        }
        return std::shared_ptr<const File>(std::move(log));
    }
};

GroupCommitLog::GroupCommitLog(std::string path, std::shared_ptr<const File> file)
    : path_(std::move(path)), file_(std::move(file)) {}

GroupCommitLog::~GroupCommitLog() = default;

Result<std::unique_ptr<GroupCommitLog>> GroupCommitLog::open(const std::string& path) {
    auto file = File::open(path);
    if (!file) return file.status();
    return std::unique_ptr<GroupCommitLog>(new GroupCommitLog(path, std::move(file).value()));
}

Status GroupCommitLog::sync() {
    static ops::Histogram& seconds = ops::serviceMetrics().storeSyncSeconds.labels({});
    ops::Timer timed(seconds);  // declared first: observed after the lock is released
    std::unique_lock<std::mutex> lock(mutex_);
    // Whatever this caller committed is covered by any sync that starts from
    // now on. While one runs, later callers wait and the next sync covers
    // them all (group commit): one sync at a time, each for many commits.
    const unsigned long long ticket = ++requests_;
    while (covered_ < ticket) {
        if (syncing_) {
            synced_.wait(lock);
            continue;
        }
        syncing_ = true;
        const unsigned long long covers = requests_;
        auto log = current();
        Status synced = log.status();
        lock.unlock();
        if (synced && ::fdatasync(log.value()->fd) != 0) {
            const int err = errno;
            synced = Status::fromErrno(err, "sync job store log " + path_ + ": " + std::strerror(err));
        }
        lock.lock();
        syncing_ = false;
        if (synced) covered_ = std::max(covered_, covers);
        synced_.notify_all();
        if (!synced) return synced;
    }
    return Status::ok();
}

Result<std::shared_ptr<const GroupCommitLog::File>> GroupCommitLog::current() {
    // The same file as when it was opened? Only someone switching the journal
    // mode by hand could replace it, but then syncing the old one would
    // silently make nothing durable.
    struct stat named = {}, opened = {};
    bool same = file_ && ::stat(path_.c_str(), &named) == 0 && ::fstat(file_->fd, &opened) == 0 &&
                named.st_ino == opened.st_ino && named.st_dev == opened.st_dev;
    if (!same) {
        auto reopened = File::open(path_);
        if (!reopened) return reopened.status();
        file_ = std::move(reopened).value();
    }
    return file_;
}

}  // namespace jobs
