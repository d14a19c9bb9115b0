// Issue 21 item 3: the data folder's disk fills up under load. Every refused
// submission must be answered 503 storage_full (never 500), the first XLSX
// download of a job on the full disk must be refused the same way, and every
// job that was answered 201 but could not be spooled must reach the spool by
// itself once space returns, exactly once, with a log line and no restart
// needed (a restart on the still full disk must say so in the log, too).
//
// The data folder (job store and spool, as in production) lives on a small
// tmpfs that the test mounts, which needs root; CI runs the tests as root.
// Anywhere else the test fails rather than skips, so a run that proved
// nothing is never counted as a pass.
#include <catch2/catch.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Thread.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "e2e_support.h"

using namespace e2e;

namespace {

// 20 MiB for the bytes; few inodes, so that the disk can also be filled with
// empty files, which stops the spool (it creates files) but not the job
// store (it writes into files it has).
const char* const kMountOptions = "size=20m,nr_inodes=400,mode=0700";

// A tmpfs mounted on dir until the object dies (the scope guard).
class TmpfsMount {
public:
    explicit TmpfsMount(const std::string& dir) : dir_(dir) {
        Poco::File(dir).createDirectories();
        if (::geteuid() != 0) FAIL("this test mounts a tmpfs and must run as root");
        if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, kMountOptions) != 0)
            FAIL("mount -t tmpfs -o " << kMountOptions << " tmpfs " << dir << ": " << std::strerror(errno));
    }
    ~TmpfsMount() { ::umount2(dir_.c_str(), MNT_DETACH); }
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

private:
    std::string dir_;
};

// Keeps every line logged under "renkei" while it lives.
class LogCapture : public Poco::Channel {
public:
    void log(const Poco::Message& msg) override {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(msg.getSource() + ": " + msg.getText());
    }
    // The lines that contain every one of `parts`.
    std::vector<std::string> find(std::initializer_list<std::string> parts) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        for (const auto& line : lines_) {
            bool all = true;
            for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
            if (all) out.push_back(line);
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

class LogCaptureScope {
public:
    explicit LogCaptureScope(const Poco::AutoPtr<LogCapture>& capture) {
        Poco::Logger::get("renkei");  // so that loggers made later below it inherit the channel
        Poco::Logger::setChannel("renkei", Poco::Channel::Ptr(capture));
    }
    ~LogCaptureScope() { Poco::Logger::setChannel("renkei", Poco::Channel::Ptr()); }
};

long long freeBytes(const std::string& dir) {
    struct statvfs st = {};
    REQUIRE(::statvfs(dir.c_str(), &st) == 0);
    return static_cast<long long>(st.f_bavail) * static_cast<long long>(st.f_frsize);
}

// Writes zeros to path until it holds `bytes` or the disk is full.
void writeBallast(const std::string& path, long long bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    static const std::vector<char> zeros(64 * 1024, 0);
    for (long long written = 0; written < bytes;) {
        size_t n = static_cast<size_t>(std::min<long long>(bytes - written, static_cast<long long>(zeros.size())));
        ssize_t w = ::write(fd, zeros.data(), n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        written += w;
    }
    ::close(fd);
}

// Creates empty files in dir until no inode is left; returns their paths.
std::vector<std::string> takeAllInodes(const std::string& dir) {
    std::vector<std::string> made;
    for (;;) {
        const std::string path = dir + "/inode-" + std::to_string(made.size());
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            REQUIRE(errno == ENOSPC);
            return made;
        }
        ::close(fd);
        made.push_back(path);
    }
}

std::set<std::string> spooledIds(const std::string& newDir) {
    std::vector<std::string> names;
    Poco::File(newDir).list(names);
    std::set<std::string> pdfs, sidecars, both;
    for (const auto& name : names) {
        const std::string id = name.substr(0, name.find('.'));
        if (name == id + ".pdf") pdfs.insert(id);
        if (name == id + ".json") sidecars.insert(id);
    }
    for (const auto& id : pdfs)
        if (sidecars.count(id)) both.insert(id);
    return both;
}

// What a refusal says, e.g. "503 storage_full Retry-After: 30".
std::string refusal(const Response& r) {
    std::string code = "(no problem body)";
    try {
        code = r.json()->getValue<std::string>("code");
    } catch (const Poco::Exception&) {
    }
    auto retryAfter = r.headers.find("Retry-After");
    return std::to_string(r.status) + " " + code +
           (retryAfter == r.headers.end() ? "" : " Retry-After: " + retryAfter->second);
}

const std::string kStorageFull = "503 storage_full Retry-After: 30";

// A refusal must say the disk is full: 503, Retry-After, storage_full, a Japanese title.
void checkStorageFull(const Response& r) {
    INFO(r.body);
    CHECK(refusal(r) == kStorageFull);
    CHECK(r.contentType.find("application/problem+json") == 0);
    CHECK(r.body.find("空き") != std::string::npos);
}

}  // namespace

TEST_CASE("Issue 21: a full disk is answered 503 storage_full and acknowledged jobs reach the spool once space returns",
          "[e2e][disk]") {
    Poco::AutoPtr<LogCapture> log(new LogCapture);
    LogCaptureScope logScope(log);
    testing_support::TempDir dir;
    const std::string disk = dir.file("disk");
    TmpfsMount mount(disk);
    const std::string data = disk + "/data";
    auto adjust = [&](config::Settings& s) {
        s.dataDir = data;
        s.dispatchPollMs = 50;
        s.spoolRetryFirstMs = 200;
        s.spoolRetryMaxMs = 1000;
    };
    std::optional<TestServer> server;
    server.emplace(adjust);
    const std::string newDir = data + "/spool/print/new";
    const std::string body = printJob("admission-info");

    // 1. The bytes run out under load. Room is left for a few jobs first.
    const std::string ballast = disk + "/ballast";
    writeBallast(ballast, freeBytes(disk) - (3LL << 20));
    constexpr int kClients = 4;
    constexpr int kRefusalsWanted = 12;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    std::mutex mutex;
    std::vector<std::string> acked;  // ids answered 201
    std::vector<Response> refused;
    std::atomic<int> refusedCount{0};
    auto client = [&] {
        while (refusedCount < kRefusalsWanted && std::chrono::steady_clock::now() < deadline) {
            Response r = request(server->port(), "POST", "/api/v1/jobs", body);
            std::lock_guard<std::mutex> lock(mutex);
            if (r.status == 201) {
                acked.push_back(r.json()->getValue<std::string>("id"));
            } else {
                refused.push_back(r);
                ++refusedCount;
            }
        }
    };
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) clients.emplace_back(client);
    for (auto& t : clients) t.join();
    INFO(acked.size() << " acknowledged, " << refused.size() << " refused under load");
    REQUIRE(!acked.empty());
    REQUIRE(!refused.empty());  // the disk did fill up
    std::map<std::string, int> refusals;
    for (const Response& r : refused) ++refusals[refusal(r)];
    CHECK(refusals == std::map<std::string, int>{{kStorageFull, static_cast<int>(refused.size())}});
    checkStorageFull(refused.front());

    // The first XLSX download renders the workbook and stores it: refused
    // the same way while the disk is full (served at the end).
    const std::string filler = disk + "/filler";
    writeBallast(filler, 1LL << 40);
    const std::string xlsxPath = "/api/v1/jobs/" + acked.front() + "/document?format=xlsx";
    checkStorageFull(server->get(xlsxPath));

    // 2. Bytes are back but no inode is left: the job store takes jobs, the
    // spool cannot create its files. Each job is answered 201, not spooled.
    REQUIRE(::unlink(filler.c_str()) == 0);
    REQUIRE(::unlink(ballast.c_str()) == 0);
    const std::vector<std::string> inodes = takeAllInodes(disk);
    std::vector<std::string> stuck;
    for (int i = 0; i < 5; ++i) {
        Response r = server->post("/api/v1/jobs", body);
        INFO(r.body);
        REQUIRE(r.status == 201);
        CHECK(r.json()->getValue<std::string>("state") == "rendered");
        stuck.push_back(r.json()->getValue<std::string>("id"));
        acked.push_back(stuck.back());
    }
    // Retries fail meanwhile (after 200, 400, 800 ms, ...).
    Poco::Thread::sleep(1200);

    // 3. A restart on a disk still too full for a PDF (the job store, which
    // makes its log files again, gets inodes and a few pages) spools nothing
    // and says so.
    server.reset();
    writeBallast(inodes.front(), freeBytes(disk) - (64 << 10));
    for (size_t i = 1; i < inodes.size(); ++i) REQUIRE(::unlink(inodes[i].c_str()) == 0);
    server.emplace(adjust);
    CHECK(log->find({"renkei: recovery left", "No space left on device"}).size() == 1);
    CHECK(spooledIds(newDir).count(stuck.front()) == 0);

    // 4. Space returns; nothing is restarted.
    REQUIRE(::unlink(inodes.front().c_str()) == 0);
    const std::set<std::string> ackedIds(acked.begin(), acked.end());
    REQUIRE(ackedIds.size() == acked.size());
    std::set<std::string> notSpooled = ackedIds;
    const auto spoolDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!notSpooled.empty() && std::chrono::steady_clock::now() < spoolDeadline) {
        Poco::Thread::sleep(100);
        const std::set<std::string> inSpool = spooledIds(newDir);
        for (auto it = notSpooled.begin(); it != notSpooled.end();) {
            if (inSpool.count(*it) &&
                server->get("/api/v1/jobs/" + *it).json()->getValue<std::string>("state") == "spooled")
                it = notSpooled.erase(it);
            else
                ++it;
        }
    }
    INFO("first job not spooled: " << (notSpooled.empty() ? "-" : *notSpooled.begin()));
    CHECK(notSpooled.empty());

    // Exactly the acknowledged jobs, each once; nothing left of the refused ones.
    CHECK(spooledIds(newDir) == ackedIds);
    std::vector<std::string> newFiles, tmpFiles;
    Poco::File(newDir).list(newFiles);
    Poco::File(data + "/spool/print/tmp").list(tmpFiles);
    CHECK(newFiles.size() == 2 * ackedIds.size());
    CHECK(tmpFiles.empty());
    CHECK(server->get("/api/v1/jobs?limit=1").json()->getValue<long long>("total") ==
          static_cast<long long>(ackedIds.size()));
    CHECK(server->get(xlsxPath).status == 200);

    // Each stuck job's failure is logged with its id and the OS reason, once
    // per server run however often it was retried, and so is its delivery.
    for (const auto& id : stuck) {
        INFO(id);
        CHECK(log->find({"renkei.delivery", id, "not sent out", "No space left on device"}).size() == 2);
        CHECK(log->find({"renkei.delivery", id, "sent out after"}).size() == 1);
    }
}
