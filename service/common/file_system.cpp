#include "common/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace common {

namespace {

// A full disk or quota is StorageFull, so callers can tell it from a broken disk.
Status osError(const std::string& what, const std::string& path, int err) {
    return Status::fromErrno(err, what + " " + path + ": " + std::strerror(err));
}

// Owns a file descriptor. close() is explicit where its result matters: on
// some file systems (NFS) a deferred write error only shows up there.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int close() {
        int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

class DirHandle {
public:
    explicit DirHandle(DIR* dir) : dir_(dir) {}
    ~DirHandle() {
        if (dir_) ::closedir(dir_);
    }
    DirHandle(const DirHandle&) = delete;
    DirHandle& operator=(const DirHandle&) = delete;
    DIR* get() const { return dir_; }

private:
    DIR* dir_;
};

}  // namespace

Status PosixFileSystem::writeFileSynced(const std::string& path, const std::string& bytes) {
    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return osError("cannot create", path, errno);
    const char* data = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return osError("cannot write", path, errno);
        }
        data += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return osError("cannot fsync", path, errno);
    if (fd.close() != 0) return osError("cannot close", path, errno);
    return Status::ok();
}

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) return osError("cannot rename", from + " to " + to, errno);
    return Status::ok();
}

Status PosixFileSystem::remove(const std::string& path) {
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return Status::notFound("no file " + path);
        return osError("cannot remove", path, errno);
    }
    return Status::ok();
}

Result<bool> PosixFileSystem::exists(const std::string& path) const {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    return osError("cannot stat", path, errno);
}

Result<std::vector<std::string>> PosixFileSystem::listDir(const std::string& dir) const {
    DirHandle handle(::opendir(dir.c_str()));
    if (!handle.get()) return osError("cannot open directory", dir, errno);
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        struct dirent* entry = ::readdir(handle.get());
        if (!entry) {
            if (errno != 0) return osError("cannot read directory", dir, errno);
            break;
        }
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

Status PosixFileSystem::createDirs(const std::string& path, unsigned mode) {
    if (path.empty()) return Status::invalidArgument("createDirs: empty path");
    // Walk from the root so each missing parent is made with the same mode.
    size_t pos = 0;
    for (;;) {
        pos = path.find('/', pos + 1);
        std::string prefix = path.substr(0, pos);
        if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0) {
            if (errno != EEXIST) return osError("cannot create directory", prefix, errno);
            struct stat st;
            if (::stat(prefix.c_str(), &st) != 0) return osError("cannot stat", prefix, errno);
            if (!S_ISDIR(st.st_mode)) return Status::ioError("not a directory: " + prefix);
        }
        if (pos == std::string::npos) return Status::ok();
    }
}

Status PosixFileSystem::syncDir(const std::string& dir) {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return osError("cannot open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return osError("cannot fsync directory", dir, errno);
    if (fd.close() != 0) return osError("cannot close directory", dir, errno);
    return Status::ok();
}

Result<std::string> FileSystem::readFile(const std::string& path) const {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return Status::notFound(path + " does not exist");
        return Status::ioError("open " + path + ": " + std::strerror(errno));
    }
    std::string bytes;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return Status::ioError("read " + path + ": " + std::strerror(err));
        }
        if (n == 0) break;
        bytes.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return bytes;
}

}  // namespace common
