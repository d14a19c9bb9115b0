#include "faulty_file_system.h"

#include <cstring>

namespace testing_support {

namespace {

const char* opName(FsOp op) {
    switch (op) {
        case FsOp::Write: return "write";
        case FsOp::Fsync: return "fsync";
        case FsOp::SyncDir: return "directory sync";
        case FsOp::Rename: return "rename";
        case FsOp::Mkdir: return "mkdir";
        case FsOp::Remove: return "remove";
        case FsOp::Lookup: return "lookup";
    }
    return "?";
}

}  // namespace

void FaultyFileSystem::inject(Fault fault) {
    std::lock_guard<std::mutex> lock(mutex_);
    faults_.push_back(Armed{std::move(fault)});
}

void FaultyFileSystem::heal() {
    std::lock_guard<std::mutex> lock(mutex_);
    faults_.clear();
}

int FaultyFileSystem::calls(FsOp op) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = calls_.find(op);
    return it == calls_.end() ? 0 : it->second;
}

int FaultyFileSystem::failures(FsOp op) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = failures_.find(op);
    return it == failures_.end() ? 0 : it->second;
}

int FaultyFileSystem::touches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    int all = 0;
    for (const auto& [op, n] : calls_) all += n;
    return all;
}

int FaultyFileSystem::decide(FsOp op, const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    ++calls_[op];
    for (Armed& a : faults_) {
        if (a.fault.op != op || path.find(a.fault.pathContains) == std::string::npos) continue;
        if (a.fault.times != kUntilHealed && a.failed >= a.fault.times) continue;  // spent
        if (a.passed < a.fault.passFirst) {
            ++a.passed;
            return 0;
        }
        ++a.failed;
        ++failures_[op];
        return a.fault.error;
    }
    return 0;
}

common::Status FaultyFileSystem::failure(int error, FsOp op, const std::string& path) {
    return common::Status::fromErrno(error, std::string("injected ") + opName(op) + " failure on " + path + ": " +
                                                std::strerror(error));
}

common::Status FaultyFileSystem::writeFileSynced(const std::string& path, const std::string& bytes) {
    if (int error = decide(FsOp::Write, path)) {
        common::ignoreStatus(real_.writeFileSynced(path, bytes.substr(0, bytes.size() / 2)),
                             "half a file is left either way; the injected failure is what counts");
        return failure(error, FsOp::Write, path);
    }
    if (int error = decide(FsOp::Fsync, path)) {
        common::ignoreStatus(real_.writeFileSynced(path, bytes), "the bytes are there; the sync is what failed");
        return failure(error, FsOp::Fsync, path);
    }
    return real_.writeFileSynced(path, bytes);
}

common::Status FaultyFileSystem::rename(const std::string& from, const std::string& to) {
    if (int error = decide(FsOp::Rename, from)) return failure(error, FsOp::Rename, from);
    return real_.rename(from, to);
}

common::Status FaultyFileSystem::remove(const std::string& path) {
    if (int error = decide(FsOp::Remove, path)) return failure(error, FsOp::Remove, path);
    return real_.remove(path);
}

common::Result<bool> FaultyFileSystem::exists(const std::string& path) const {
    if (int error = decide(FsOp::Lookup, path)) return failure(error, FsOp::Lookup, path);
    return real_.exists(path);
}

common::Result<std::vector<std::string>> FaultyFileSystem::listDir(const std::string& dir) const {
    if (int error = decide(FsOp::Lookup, dir)) return failure(error, FsOp::Lookup, dir);
    return real_.listDir(dir);
}

common::Status FaultyFileSystem::createDirs(const std::string& path, unsigned mode) {
    if (int error = decide(FsOp::Mkdir, path)) return failure(error, FsOp::Mkdir, path);
    return real_.createDirs(path, mode);
}

common::Status FaultyFileSystem::syncDir(const std::string& dir) {
    if (int error = decide(FsOp::SyncDir, dir)) return failure(error, FsOp::SyncDir, dir);
    return real_.syncDir(dir);
}

}  // namespace testing_support
