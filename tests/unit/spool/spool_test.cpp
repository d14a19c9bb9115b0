#include "spool/spool.h"

#include <sys/stat.h>

#include <cerrno>

#include <catch2/catch.hpp>

#include "common/file_system.h"
#include "common/ids.h"
#include "faulty_file_system.h"
#include "test_support.h"

using common::Status;
using spool::Spool;
using spool::SpoolLocation;

namespace {

using testing_support::FaultyFileSystem;
using testing_support::FsOp;

struct Fixture {
    testing_support::TempDir dir;
    std::string root = dir.file("spool");
    FaultyFileSystem fs;
    Spool spool{root, fs};
    std::string jobId = common::newJobId();

    Fixture() { REQUIRE(spool.prepare().isOk()); }

    std::vector<std::string> entries(const std::string& channel, const std::string& sub) const {
        auto names = common::PosixFileSystem().listDir(spool.path(channel, sub));
        REQUIRE(names.isOk());
        return *names;
    }
    SpoolLocation where(const std::string& channel = "print") const {
        auto found = spool.locate(channel, jobId);
        REQUIRE(found.isOk());
        return *found;
    }
};

const std::string kPdf = "%PDF-1.7\n% spool test\n%%EOF\n";
const std::string kSidecar = R"({"jobId":"x","channel":"print","copies":1})";

unsigned modeOf(const std::string& path) {
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("deliver puts the pdf and the sidecar into new/ and leaves tmp/ empty", "[spool]") {
    Fixture f;
    REQUIRE(f.spool.deliver("print", f.jobId, kPdf, kSidecar).isOk());
    CHECK(f.entries("print", "new") == std::vector<std::string>{f.jobId + ".json", f.jobId + ".pdf"});
    CHECK(f.entries("print", "tmp").empty());
    CHECK(f.entries("fax", "new").empty());
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".pdf")) == kPdf);
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".json")) == kSidecar);
    CHECK(modeOf(f.spool.path("print", "new", f.jobId + ".pdf")) == 0600);
    CHECK(modeOf(f.spool.path("print", "new", f.jobId + ".json")) == 0600);
    CHECK(f.where() == SpoolLocation::New);
}

TEST_CASE("deliver renames the pdf before the sidecar and syncs new/ after each", "[spool]") {
    // The order is what keeps a consumer from seeing a sidecar without its PDF.
    Fixture f;
    struct Recorder : FaultyFileSystem {
        std::vector<std::string> log;
        Status rename(const std::string& from, const std::string& to) override {
            log.push_back("rename " + to.substr(to.rfind('/') + 1));
            return FaultyFileSystem::rename(from, to);
        }
        Status syncDir(const std::string& dir) override {
            log.push_back("sync " + dir.substr(dir.rfind('/') + 1));
            return FaultyFileSystem::syncDir(dir);
        }
    } recorder;
    Spool spool(f.root, recorder);
    REQUIRE(spool.deliver("fax", f.jobId, kPdf, kSidecar).isOk());
    CHECK(recorder.log == std::vector<std::string>{"rename " + f.jobId + ".pdf", "sync new",
                                                   "rename " + f.jobId + ".json", "sync new"});
}

TEST_CASE("prepare creates every spool directory for the owner only", "[spool]") {
    Fixture f;
    for (const char* channel : {"print", "fax"})
        for (const char* sub : {"tmp", "new", "done", "failed"}) {
            INFO(channel << "/" << sub);
            CHECK(modeOf(f.spool.path(channel, sub)) == 0700);
        }
    CHECK(f.spool.prepare().isOk());  // again, on existing directories
}

TEST_CASE("prepare removes what a crashed delivery left in tmp/", "[spool]") {
    Fixture f;
    testing_support::writeFile(f.spool.path("print", "tmp", f.jobId + ".pdf"), "%PDF-1.7 half");
    testing_support::writeFile(f.spool.path("fax", "tmp", f.jobId + ".json"), "{");
    REQUIRE(f.spool.prepare().isOk());
    CHECK(f.entries("print", "tmp").empty());
    CHECK(f.entries("fax", "tmp").empty());
}

TEST_CASE("locate reports none, partial, new, done and failed", "[spool]") {
    Fixture f;
    const std::string pdf = f.jobId + ".pdf";
    const std::string sidecar = f.jobId + ".json";
    CHECK(f.where() == SpoolLocation::None);

    testing_support::writeFile(f.spool.path("print", "new", pdf), kPdf);
    CHECK(f.where() == SpoolLocation::Partial);
    CHECK(f.where("fax") == SpoolLocation::None);

    testing_support::writeFile(f.spool.path("print", "new", sidecar), kSidecar);
    CHECK(f.where() == SpoolLocation::New);

    common::PosixFileSystem posix;
    REQUIRE(posix.rename(f.spool.path("print", "new", pdf), f.spool.path("print", "done", pdf)).isOk());
    CHECK(f.where() == SpoolLocation::Done);  // halfway through the consumer's move
    REQUIRE(posix.rename(f.spool.path("print", "new", sidecar), f.spool.path("print", "done", sidecar)).isOk());
    CHECK(f.where() == SpoolLocation::Done);

    testing_support::writeFile(f.spool.path("fax", "failed", pdf), kPdf);
    CHECK(f.where("fax") == SpoolLocation::Failed);

    CHECK(spool::locationName(SpoolLocation::Partial) == "partial");
}

TEST_CASE("A job already in new/, done/ or failed/ is not delivered again", "[spool]") {
    Fixture f;
    REQUIRE(f.spool.deliver("print", f.jobId, kPdf, kSidecar).isOk());
    CHECK(f.spool.deliver("print", f.jobId, "%PDF other", kSidecar).code() == Status::Code::Conflict);
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".pdf")) == kPdf);

    testing_support::writeFile(f.spool.path("fax", "done", f.jobId + ".json"), kSidecar);
    CHECK(f.spool.deliver("fax", f.jobId, kPdf, kSidecar).code() == Status::Code::Conflict);

    std::string other = common::newJobId();
    testing_support::writeFile(f.spool.path("fax", "failed", other + ".pdf"), kPdf);
    CHECK(f.spool.deliver("fax", other, kPdf, kSidecar).code() == Status::Code::Conflict);
    CHECK(f.entries("fax", "new").empty());
}

TEST_CASE("deliver finishes a job a crash left partial", "[spool]") {
    Fixture f;
    SECTION("pdf without sidecar") {
        testing_support::writeFile(f.spool.path("print", "new", f.jobId + ".pdf"), kPdf);
    }
    SECTION("sidecar without pdf") {
        testing_support::writeFile(f.spool.path("print", "new", f.jobId + ".json"), "{}");
    }
    REQUIRE(f.where() == SpoolLocation::Partial);
    REQUIRE(f.spool.deliver("print", f.jobId, kPdf, kSidecar).isOk());
    CHECK(f.where() == SpoolLocation::New);
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".pdf")) == kPdf);
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".json")) == kSidecar);
}

TEST_CASE("An unknown channel or a malformed job id is rejected before any file is touched", "[spool]") {
    Fixture f;
    const int before = f.fs.touches();
    const std::string badIds[] = {"", "../../etc/passwd", "ABCDEF0123456789ABCDEF0123456789",
                                  "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
                                  "0123456789abcdef/123456789abcdef"};
    for (const std::string& id : badIds) {
        INFO("id " << id);
        CHECK(f.spool.deliver("print", id, kPdf, kSidecar).code() == Status::Code::InvalidArgument);
        CHECK(f.spool.locate("print", id).status().code() == Status::Code::InvalidArgument);
    }
    for (const char* channel : {"", "email", "../print", "PRINT"}) {
        INFO("channel " << channel);
        CHECK(f.spool.deliver(channel, f.jobId, kPdf, kSidecar).code() == Status::Code::InvalidArgument);
        CHECK(f.spool.locate(channel, f.jobId).status().code() == Status::Code::InvalidArgument);
    }
    CHECK(f.spool.deliver("print", f.jobId, "", kSidecar).code() == Status::Code::InvalidArgument);
    CHECK(f.spool.deliver("print", f.jobId, kPdf, "").code() == Status::Code::InvalidArgument);
    CHECK(f.fs.touches() == before);
}

TEST_CASE("A failed write, rename or sync leaves nothing in new/ and nothing in tmp/", "[spool]") {
    // A clean delivery makes 2 writes (each synced), 2 renames and 2 directory
    // syncs; every one of them but the last directory sync (see the next test)
    // is made to fail in turn.
    struct Fault {
        const char* name;
        FsOp op;
        int error;
        int count;
    };
    const Fault faults[] = {
        {"write", FsOp::Write, EIO, 2},
        {"disk full", FsOp::Write, ENOSPC, 2},
        {"file sync", FsOp::Fsync, EIO, 2},
        {"rename", FsOp::Rename, EIO, 2},
        {"sync", FsOp::SyncDir, EIO, 1},
    };
    for (const Fault& fault : faults) {
        for (int n = 1; n <= fault.count; ++n) {
            INFO(fault.name << " #" << n);
            Fixture f;
            f.fs.inject({fault.op, "", fault.error, n - 1, 1});
            Status st = f.spool.deliver("fax", f.jobId, kPdf, kSidecar);
            // A full disk stays recognisable, so the job is tried again once there is space.
            CHECK(st.code() == (fault.error == ENOSPC ? Status::Code::StorageFull : Status::Code::IOError));
            CHECK_THAT(st.message(), Catch::Contains(f.jobId));
            CHECK(f.fs.failures(fault.op) == 1);
            CHECK(f.entries("fax", "new").empty());
            CHECK(f.entries("fax", "tmp").empty());
            CHECK(f.where("fax") == SpoolLocation::None);

            f.fs.heal();
            CHECK(f.spool.deliver("fax", f.jobId, kPdf, kSidecar).isOk());
            CHECK(f.where("fax") == SpoolLocation::New);
        }
    }
}

TEST_CASE("When only the final sync fails the files are complete in new/ and not delivered twice", "[spool]") {
    Fixture f;
    f.fs.inject({FsOp::SyncDir, "", EIO, 1, 1});
    Status st = f.spool.deliver("print", f.jobId, kPdf, kSidecar);
    CHECK(st.code() == Status::Code::IOError);
    CHECK_THAT(st.message(), Catch::Contains("locate()"));
    CHECK(f.where() == SpoolLocation::New);
    CHECK(testing_support::readFile(f.spool.path("print", "new", f.jobId + ".pdf")) == kPdf);
    CHECK(f.entries("print", "tmp").empty());
    CHECK(f.spool.deliver("print", f.jobId, kPdf, kSidecar).code() == Status::Code::Conflict);
}

TEST_CASE("PosixFileSystem writes owner-only files and reports missing ones", "[spool][file_system]") {
    testing_support::TempDir dir;
    common::PosixFileSystem fs;
    const std::string nested = dir.file("a/b/c");
    REQUIRE(fs.createDirs(nested, 0700).isOk());
    CHECK(modeOf(dir.file("a")) == 0700);
    CHECK(fs.createDirs(nested, 0700).isOk());

    REQUIRE(fs.writeFileSynced(nested + "/z.txt", "zz").isOk());
    REQUIRE(fs.writeFileSynced(nested + "/y.txt", "y").isOk());
    CHECK(modeOf(nested + "/z.txt") == 0600);
    CHECK(*fs.listDir(nested) == std::vector<std::string>{"y.txt", "z.txt"});
    CHECK(*fs.exists(nested + "/y.txt"));
    CHECK_FALSE(*fs.exists(nested + "/x.txt"));
    CHECK(fs.syncDir(nested).isOk());

    CHECK(fs.remove(nested + "/x.txt").code() == Status::Code::NotFound);
    CHECK(fs.rename(nested + "/x.txt", nested + "/w.txt").code() == Status::Code::IOError);
    CHECK(fs.writeFileSynced(dir.file("missing/f"), "x").code() == Status::Code::IOError);
    CHECK(fs.listDir(dir.file("missing")).status().code() == Status::Code::IOError);
    testing_support::writeFile(dir.file("plain"), "x");
    CHECK(fs.createDirs(dir.file("plain/sub"), 0700).code() == Status::Code::IOError);
}

TEST_CASE("PosixFileSystem reports a full disk as StorageFull and other failures as IOError", "[spool]") {
    common::PosixFileSystem fs;
    // Every write to /dev/full fails with ENOSPC.
    Status full = fs.writeFileSynced("/dev/full", kPdf);
    CHECK(full.code() == Status::Code::StorageFull);
    CHECK_THAT(full.message(), Catch::Contains("/dev/full") && Catch::Contains("No space left on device"));
    testing_support::TempDir dir;
    Status missing = fs.writeFileSynced(dir.file("no/such/dir/file"), kPdf);
    CHECK(missing.code() == Status::Code::IOError);
    CHECK(Status::fromErrno(EDQUOT, "quota").code() == Status::Code::StorageFull);
    CHECK(Status::fromErrno(EIO, "broken").code() == Status::Code::IOError);
}
