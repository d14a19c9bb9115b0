#include "spool/spool.h"

#include <initializer_list>

#include "common/ids.h"

namespace spool {

namespace {

const char* const kChannels[] = {"print", "fax"};
const char* const kDirs[] = {"tmp", "new", "done", "failed"};
constexpr unsigned kDirMode = 0700;

common::Status checkJob(const std::string& channel, const std::string& jobId) {
    if (!isValidChannel(channel)) return common::Status::invalidArgument("unknown spool channel '" + channel + "'");
    // The id becomes a file name: only 32 hex digits can never escape the directory.
    if (!common::isValidJobId(jobId)) return common::Status::invalidArgument("malformed job id '" + jobId + "'");
    return common::Status::ok();
}

// An IOError with context, except that a full disk stays StorageFull: the
// caller tries again once there is space instead of giving up.
common::Status withContext(const common::Status& status, const std::string& context) {
    if (status.isOk()) return status;
    if (status.code() == common::Status::Code::StorageFull)
        return common::Status::storageFull(context + ": " + status.message());
    return common::Status::ioError(context + ": " + status.message());
}

}  // namespace

std::string locationName(SpoolLocation location) {
    switch (location) {
    case SpoolLocation::None: return "none";
    case SpoolLocation::New: return "new";
    case SpoolLocation::Partial: return "partial";
    case SpoolLocation::Done: return "done";
    case SpoolLocation::Failed: return "failed";
    }
    return "none";
}

bool isValidChannel(const std::string& channel) {
    for (const char* c : kChannels)
        if (channel == c) return true;
    return false;
}

Spool::Spool(std::string root, common::FileSystem& fs) : root_(std::move(root)), fs_(fs) {}

std::string Spool::path(const std::string& channel, const std::string& dir, const std::string& name) const {
    std::string p = root_ + "/" + channel + "/" + dir;
    if (!name.empty()) p += "/" + name;
    return p;
}

common::Status Spool::prepare() {
    if (root_.empty()) return common::Status::invalidArgument("spool root is empty");
    for (const char* channel : kChannels) {
        for (const char* dir : kDirs) {
            common::Status st = fs_.createDirs(path(channel, dir), kDirMode);
            if (!st) return withContext(st, "prepare spool");
        }
        // Anything in tmp/ is from a delivery that crashed before its rename;
        // the job is still unfinished in the JobStore and will be delivered again.
        const std::string tmp = path(channel, "tmp");
        auto names = fs_.listDir(tmp);
        if (!names) return withContext(names.status(), "prepare spool");
        for (const std::string& name : *names) {
            common::Status st = fs_.remove(tmp + "/" + name);
            if (!st && st.code() != common::Status::Code::NotFound) return withContext(st, "prepare spool");
        }
    }
    return common::Status::ok();
}

common::Result<SpoolLocation> Spool::locate(const std::string& channel, const std::string& jobId) const {
    common::Status valid = checkJob(channel, jobId);
    if (!valid) return valid;
    auto has = [&](const char* dir, const char* ext) -> common::Result<bool> {
        return fs_.exists(path(channel, dir, jobId + ext));
    };
    // new/ is read before done/ and failed/: the consumer only moves files out
    // of new/, so a file that leaves new/ while we look is then found in done/
    // or failed/ and is never missed.
    auto newPdf = has("new", ".pdf");
    if (!newPdf) return newPdf.status();
    auto newSidecar = has("new", ".json");
    if (!newSidecar) return newSidecar.status();
    for (auto [dir, location] : {std::pair{"done", SpoolLocation::Done}, std::pair{"failed", SpoolLocation::Failed}}) {
        for (const char* ext : {".pdf", ".json"}) {
            auto found = has(dir, ext);
            if (!found) return found.status();
            if (*found) return location;
        }
    }
    if (*newPdf && *newSidecar) return SpoolLocation::New;
    if (*newPdf || *newSidecar) return SpoolLocation::Partial;
    return SpoolLocation::None;
}

common::Status Spool::removeDelivered(const std::string& channel, const std::string& jobId) {
    for (const char* ext : {".json", ".pdf"}) {
        common::Status st = fs_.remove(path(channel, "new", jobId + ext));
        if (!st && st.code() != common::Status::Code::NotFound) return st;
    }
    return common::Status::ok();
}

common::Status Spool::deliver(const std::string& channel, const std::string& jobId, const std::string& pdfBytes,
                              const std::string& sidecarJson) {
    common::Status valid = checkJob(channel, jobId);
    if (!valid) return valid;
    if (pdfBytes.empty()) return common::Status::invalidArgument("empty PDF for job " + jobId);
    if (sidecarJson.empty()) return common::Status::invalidArgument("empty sidecar for job " + jobId);

    const std::string context = "deliver job " + jobId + " to " + channel;
    auto where = locate(channel, jobId);
    if (!where) return withContext(where.status(), context);
    switch (*where) {
    case SpoolLocation::New:
    case SpoolLocation::Done:
    case SpoolLocation::Failed:
        return common::Status::conflict("job " + jobId + " is already in the " + channel + " spool (" +
                                        locationName(*where) + ")");
    case SpoolLocation::Partial: {
        // Consumers ignore a PDF without its sidecar, so the leftover can go;
        // writing both again means new/ ends up with exactly these bytes.
        common::Status st = removeDelivered(channel, jobId);
        if (!st) return withContext(st, context);
        break;
    }
    case SpoolLocation::None: break;
    }

    const std::string tmpPdf = path(channel, "tmp", jobId + ".pdf");
    const std::string tmpSidecar = path(channel, "tmp", jobId + ".json");
    const std::string newDir = path(channel, "new");
    const std::string newPdf = path(channel, "new", jobId + ".pdf");
    const std::string newSidecar = path(channel, "new", jobId + ".json");
    // Best effort: a file we cannot remove here is found by prepare() (tmp/)
    // or by locate() as Partial (new/) at the next start.
    auto discard = [&](std::initializer_list<const std::string*> files) {
        for (const std::string* f : files)
            common::ignoreStatus(fs_.remove(*f), "found by prepare() or locate() at the next start");
    };

    // Both files are complete on disk before either appears in new/.
    common::Status st = fs_.writeFileSynced(tmpPdf, pdfBytes);
    if (!st) {
        discard({&tmpPdf});
        return withContext(st, context);
    }
    st = fs_.writeFileSynced(tmpSidecar, sidecarJson);
    if (!st) {
        discard({&tmpPdf, &tmpSidecar});
        return withContext(st, context);
    }
    st = fs_.rename(tmpPdf, newPdf);
    if (!st) {
        discard({&tmpPdf, &tmpSidecar});
        return withContext(st, context);
    }
    // POSIX does not order two renames across a power loss; syncing new/ here
    // makes sure the sidecar can never survive without its PDF.
    st = fs_.syncDir(newDir);
    if (!st) {
        discard({&newPdf, &tmpSidecar});
        return withContext(st, context);
    }
    st = fs_.rename(tmpSidecar, newSidecar);
    if (!st) {
        discard({&newPdf, &tmpSidecar});
        return withContext(st, context);
    }
    // From here the consumer may already have the job, so nothing is undone.
    st = fs_.syncDir(newDir);
    if (!st) {
        return withContext(st, context + ": files are in new/ but syncing the directory failed; check locate() "
                                         "before delivering again");
    }
    return common::Status::ok();
}

common::Result<std::vector<Spool::Result>> Spool::results(const std::string& channel) const {
    if (!isValidChannel(channel)) return common::Status::invalidArgument("unknown spool channel '" + channel + "'");
    static const std::string kSuffix = ".result.json";
    std::vector<Result> out;
    for (const char* dir : {"done", "failed"}) {
        auto names = fs_.listDir(path(channel, dir));
        if (!names) return names.status();
        for (const auto& name : names.value()) {
            if (name.size() != 32 + kSuffix.size() || name.compare(32, kSuffix.size(), kSuffix) != 0) continue;
            std::string id = name.substr(0, 32);
            if (!common::isValidJobId(id)) continue;
            auto json = fs_.readFile(path(channel, dir, name));
            if (!json) continue;  // being written or gone: seen on the next scan
            out.push_back({id, dir, std::move(json.value())});
        }
    }
    return out;
}

common::Status Spool::archiveAttempt(const std::string& channel, const std::string& jobId, int attempt) {
    common::Status valid = checkJob(channel, jobId);
    if (!valid) return valid;
    const std::string tag = ".attempt" + std::to_string(attempt);
    for (const char* dir : {"failed", "done"}) {
        for (const char* ext : {".pdf", ".json", ".result.json"}) {
            const std::string from = path(channel, dir, jobId + ext);
            auto exists = fs_.exists(from);
            if (!exists) return exists.status();
            if (!*exists) continue;
            common::Status moved = fs_.rename(from, path(channel, dir, jobId + tag + ext));
            if (!moved) return withContext(moved, "archive attempt of job " + jobId);
        }
        common::Status synced = fs_.syncDir(path(channel, dir));
        if (!synced) return withContext(synced, "archive attempt of job " + jobId);
    }
    return common::Status::ok();
}

}  // namespace spool
