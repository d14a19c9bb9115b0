// Spool: hands finished PDFs to the print and fax programs through directories.
// Layout: <root>/<channel>/{tmp,new,done,failed}/, channel "print" or "fax".
// A job arrives in new/ as <id>.pdf and then <id>.json (the sidecar, always
// last): a consumer takes a job only once its sidecar is there, and moves both
// files from new/ to done/ or failed/ by rename. The renames are atomic, so a
// consumer never sees half a file.
// Thread safety: Spool keeps no mutable state; calls are safe from any thread
// as long as the FileSystem is, but one job must not be delivered by two
// threads at once.
#pragma once

#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"

namespace spool {

// Where a job's files are.
enum class SpoolLocation {
    None,     // nowhere: not delivered yet, or a failed delivery was cleaned up
    New,      // pdf and sidecar in new/: delivered, waiting for the consumer
    Partial,  // only one of them in new/ (a crash during deliver()): deliver() again
    Done,     // in done/: the consumer took it
    Failed,   // in failed/: the consumer took it and gave up
};

// "none", "new", "partial", "done", "failed".
std::string locationName(SpoolLocation location);

// True for "print" and "fax".
bool isValidChannel(const std::string& channel);

class Spool {
public:
    // The FileSystem must outlive the Spool.
    Spool(std::string root, common::FileSystem& fs);

    // Creates <root>/{print,fax}/{tmp,new,done,failed} with mode 0700 and
    // removes whatever a crashed delivery left in tmp/. Call once at startup,
    // before any deliver(). Returns IOError with the path on failure.
    common::Status prepare();

    // Writes pdfBytes to new/<jobId>.pdf and then sidecarJson to
    // new/<jobId>.json, each through tmp/ with fsync, rename and a directory
    // fsync. Delivers a job at most once: returns Conflict when locate() says
    // New, Done or Failed. A Partial job is cleaned up and delivered again.
    // InvalidArgument for an unknown channel, a malformed job id or empty
    // content, before any file is touched. A full disk is StorageFull, any
    // other failure IOError; on either before the sidecar's rename nothing
    // of the job is left in new/ or tmp/. If only the final
    // directory fsync fails the files are in new/ and the consumer may take
    // them: the error says so, and the caller must check locate() before
    // delivering again.
    common::Status deliver(const std::string& channel, const std::string& jobId, const std::string& pdfBytes,
                           const std::string& sidecarJson);

    // Where the job's files are now. Used at startup to finish or skip jobs a
    // crash interrupted, so no job is spooled twice. InvalidArgument for a bad
    // channel or id, IOError when a directory cannot be read.
    common::Result<SpoolLocation> locate(const std::string& channel, const std::string& jobId) const;

    // A consumer's report on a job it took: <id>.result.json in done/ or failed/.
    struct Result {
        std::string jobId;
        std::string dir;   // "done" or "failed"
        std::string json;  // the file's content, unparsed
    };
    // Every result file in done/ and failed/ of the channel. IOError when a
    // directory cannot be read; unreadable single files are skipped.
    common::Result<std::vector<Result>> results(const std::string& channel) const;

    // Moves a failed job's files (pdf, sidecar, result) out of the way as
    // failed/<id>.attempt<N>.*, so the job can be delivered again as a new
    // attempt. Files that are missing are skipped.
    common::Status archiveAttempt(const std::string& channel, const std::string& jobId, int attempt);

    // <root>/<channel>/<dir>/<name>, or the directory itself when name is
    // empty. dir is "tmp", "new", "done" or "failed". No checks, no I/O.
    std::string path(const std::string& channel, const std::string& dir, const std::string& name = "") const;

private:
    common::Status removeDelivered(const std::string& channel, const std::string& jobId);

    std::string root_;
    common::FileSystem& fs_;
};

}  // namespace spool
