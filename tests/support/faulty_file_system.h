// FaultyFileSystem: a real file system (PosixFileSystem, or one given) whose
// chosen operations fail, like leveldb's FaultInjectionTestEnv. A fault names
// the operation, a part of the path, the errno to report (ENOSPC is a full
// disk: StorageFull; anything else IOError, as PosixFileSystem reports them),
// how many matching calls pass first and how many then fail (or all of them
// until heal()). It counts every call, failed or not, so a test can tell
// whether, and how often, the code under test tried.
// A failed Write leaves half the bytes behind, as a disk that fills up does;
// a failed Fsync of writeFileSynced leaves all of them, unsynced. Test-only;
// thread-safe (the service calls it from its dispatcher and request threads).
#pragma once

#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/file_system.h"

namespace testing_support {

enum class FsOp {
    Write,    // writeFileSynced, before anything is synced
    Fsync,    // writeFileSynced's fsync of the file, once its bytes are written
    SyncDir,  // syncDir
    Rename,   // rename, matched on the source path
    Mkdir,    // createDirs
    Remove,   // remove
    Lookup,   // exists and listDir
};

class FaultyFileSystem : public common::FileSystem {
public:
    static constexpr int kUntilHealed = -1;

    struct Fault {
        FsOp op = FsOp::Write;
        std::string pathContains;  // empty matches every path
        int error = EIO;
        int passFirst = 0;         // matching calls that succeed before the first failure
        int times = kUntilHealed;  // failures, then the fault is spent
    };

    FaultyFileSystem() : real_(own_) {}
    explicit FaultyFileSystem(common::FileSystem& real) : real_(real) {}

    // Adds a fault; the first matching fault that is not spent decides a call.
    void inject(Fault fault);
    // Removes every fault: from now on each call goes to the real file system.
    void heal();

    // Calls of op so far (failed ones included), and how many of them failed.
    int calls(FsOp op) const;
    int failures(FsOp op) const;
    // Calls of every operation so far.
    int touches() const;

    common::Status writeFileSynced(const std::string& path, const std::string& bytes) override;
    common::Status rename(const std::string& from, const std::string& to) override;
    common::Status remove(const std::string& path) override;
    common::Result<bool> exists(const std::string& path) const override;
    common::Result<std::vector<std::string>> listDir(const std::string& dir) const override;
    common::Status createDirs(const std::string& path, unsigned mode) override;
    common::Status syncDir(const std::string& dir) override;

private:
    struct Armed {
        Fault fault;
        int passed = 0;
        int failed = 0;
    };
    // Counts the call; returns the errno to fail it with, or 0.
    int decide(FsOp op, const std::string& path) const;
    static common::Status failure(int error, FsOp op, const std::string& path);

    common::PosixFileSystem own_;
    common::FileSystem& real_;
    mutable std::mutex mutex_;
    mutable std::vector<Armed> faults_;       // guarded by mutex_
    mutable std::map<FsOp, int> calls_;       // guarded by mutex_
    mutable std::map<FsOp, int> failures_;    // guarded by mutex_
};

}  // namespace testing_support
