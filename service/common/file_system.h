// FileSystem: the file operations the service needs for durable output, behind
// one interface so tests can fail the Nth write or rename (leveldb Env style).
// PosixFileSystem keeps no state and is safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace common {

class FileSystem {
public:
    virtual ~FileSystem() = default;

    // Creates or truncates `path` (mode 0600 when created), writes all of
    // `bytes`, fsyncs and closes it. Returns IOError with the path and the OS
    // reason, or StorageFull when the disk or quota is full (ENOSPC, EDQUOT;
    // this holds for every call below that writes). On failure the file may
    // be left partly written: the caller removes it.
    virtual Status writeFileSynced(const std::string& path, const std::string& bytes) = 0;
    // Atomically renames `from` to `to`, replacing `to`. Both must be on the
    // same file system. IOError on failure; the caller syncs the directory.
    virtual Status rename(const std::string& from, const std::string& to) = 0;
    // Removes a file. NotFound when it does not exist, IOError otherwise.
    virtual Status remove(const std::string& path) = 0;
    // Whether `path` exists. IOError when that cannot be told (e.g. no
    // permission on the directory), never a guess.
    virtual Result<bool> exists(const std::string& path) const = 0;
    // Names (not paths) of the entries in `dir`, sorted, without "." and "..".
    virtual Result<std::vector<std::string>> listDir(const std::string& dir) const = 0;
    // Creates `path` and missing parents with `mode` (e.g. 0700, reduced by
    // the umask). Existing directories are left as they are.
    virtual Status createDirs(const std::string& path, unsigned mode) = 0;
    // fsyncs a directory, so renames and creations in it survive a power loss.
    virtual Status syncDir(const std::string& dir) = 0;
    // The whole content of a file. NotFound when it does not exist, IOError
    // otherwise. Not virtual-pure: reading needs no fault injection so far.
    virtual Result<std::string> readFile(const std::string& path) const;
};

class PosixFileSystem : public FileSystem {
public:
    Status writeFileSynced(const std::string& path, const std::string& bytes) override;
    Status rename(const std::string& from, const std::string& to) override;
    Status remove(const std::string& path) override;
    Result<bool> exists(const std::string& path) const override;
    Result<std::vector<std::string>> listDir(const std::string& dir) const override;
    Status createDirs(const std::string& path, unsigned mode) override;
    Status syncDir(const std::string& dir) override;
};

}  // namespace common
