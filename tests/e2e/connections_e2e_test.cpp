// Connections under load (issue 22): a thousand keep-alive connections are
// all served, slow clients hold no worker, a request that trickles in is cut
// off by the total request deadline, the connections per client address are
// bounded, and pipelined requests are answered in order. Raw TCP, so the
// tests see exactly what the server sends and when.
#include <catch2/catch.hpp>

#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.h"

using namespace e2e;

namespace {

using SteadyClock = std::chrono::steady_clock;

double msSince(SteadyClock::time_point since) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
}

// Each client here is a descriptor, and so is each server side: take what the
// hard limit allows (the server raises its own limit too, in this process).
// Returns the soft limit now.
rlim_t raiseOpenFilesLimit() {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return 0;
    if (files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
        ::getrlimit(RLIMIT_NOFILE, &files);
    }
    return files.rlim_cur;
}

struct Answer {
    int status = 0;  // 0: the server closed (or went silent) without answering
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
};

// One keep-alive connection, read and written byte for byte.
class Client {
public:
    explicit Client(int port, int receiveTimeoutS = 10)
        : socket_(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port))) {
        socket_.setReceiveTimeout(Poco::Timespan(receiveTimeoutS, 0));
    }

    void send(const std::string& bytes) {
        size_t sent = 0;
        while (sent < bytes.size())
            sent += static_cast<size_t>(socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent)));
    }

    Answer read() {
        Answer a;
        size_t headEnd;
        while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return a;
        const std::string head = buffer_.substr(0, headEnd);
        buffer_.erase(0, headEnd + 4);
        if (head.size() >= 12) a.status = std::atoi(head.substr(9, 3).c_str());
        for (size_t at = head.find("\r\n"); at != std::string::npos;) {
            const size_t next = head.find("\r\n", at + 2);
            const std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
            const size_t colon = line.find(':');
            if (colon != std::string::npos)
                a.headers[Poco::toLower(line.substr(0, colon))] = Poco::trim(line.substr(colon + 1));
            at = next;
        }
        const size_t length = a.headers.count("content-length") ? std::stoul(a.headers["content-length"]) : 0;
        while (buffer_.size() < length)
            if (!fill()) break;
        a.body = buffer_.substr(0, std::min(length, buffer_.size()));
        buffer_.erase(0, a.body.size());
        return a;
    }

    // True when the server closes the connection within the receive timeout.
    bool closedByServer() { return buffer_.empty() && !fill(); }

private:
    bool fill() {
        char chunk[4096];
        int n = 0;
        try {
            n = socket_.receiveBytes(chunk, sizeof chunk);
        } catch (const Poco::Exception&) {
            return false;  // timeout or reset
        }
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }

    Poco::Net::StreamSocket socket_;
    std::string buffer_;
};

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string jobRequest(const std::string& body) {
    return "POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("Issue 22: a thousand concurrent keep-alive connections are all served, none starved", "[e2e][connections]") {
    // Both ends of each connection live in this process, plus the server's own files.
    if (raiseOpenFilesLimit() < 2 * 1000 + 300) {
        WARN("skipped: the open files limit is below 2,300 and cannot be raised");
        return;
    }
    TestServer server([](config::Settings& s) { s.duplicateWindowSeconds = 0; });
    constexpr int kConnections = 1000;
    constexpr int kRounds = 3;
    const std::string job = jobRequest(printJob("admission-info"));
    std::vector<std::unique_ptr<Client>> clients;
    clients.reserve(kConnections);
    for (int i = 0; i < kConnections; ++i) clients.push_back(std::make_unique<Client>(server.port(), 30));
    // Every connection stays open through every round: a server with a
    // thread per keep-alive connection serves only as many as it has threads.
    int jobs = 0;
    double slowestRoundMs = 0;
    for (int round = 0; round < kRounds; ++round) {
        const auto started = SteadyClock::now();
        for (int i = 0; i < kConnections; ++i) clients[i]->send(i % 100 == round ? job : kHealthz);
        for (int i = 0; i < kConnections; ++i) {
            Answer a = clients[i]->read();
            INFO("connection " << i << " round " << round << ": " << a.status << " " << a.body);
            if (i % 100 == round) {
                REQUIRE(a.status == 201);
                ++jobs;
            } else {
                REQUIRE(a.status == 200);
            }
            REQUIRE(Poco::toLower(a.headers["connection"]) != "close");
        }
        slowestRoundMs = std::max(slowestRoundMs, msSince(started));
    }
    WARN("slowest round of " << kConnections << " requests on " << kConnections
                             << " open connections: " << slowestRoundMs << " ms");
    CHECK(jobs == kConnections / 100 * kRounds);
    // Generous: a loaded two-core CI machine, maybe under a sanitizer.
    CHECK(slowestRoundMs < 20000);
}

TEST_CASE("Issue 22: a new client's healthz is answered promptly while 300 slow clients trickle in requests",
          "[e2e][connections]") {
    if (raiseOpenFilesLimit() < 2 * 300 + 300) {
        WARN("skipped: the open files limit is below 900 and cannot be raised");
        return;
    }
    TestServer server;
    constexpr int kSlow = 300;
    const std::string trickled = "POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 1000\r\n\r\n{\"sheet\":";
    std::vector<std::unique_ptr<Client>> slow;
    for (int i = 0; i < kSlow; ++i) slow.push_back(std::make_unique<Client>(server.port()));
    double slowestMs = 0;
    for (size_t at = 0; at < 6; ++at) {
        // One byte more from every slow client, as one every second or so would.
        for (auto& c : slow) c->send(trickled.substr(at, 1));
        const auto started = SteadyClock::now();
        Client fresh(server.port());
        fresh.send(kHealthz);
        Answer a = fresh.read();
        const double ms = msSince(started);
        REQUIRE(a.status == 200);
        slowestMs = std::max(slowestMs, ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    WARN("slowest healthz with " << kSlow << " slow clients connected: " << slowestMs << " ms");
    // The target is 100 ms (measured by renkei-bench); this bound stays
    // robust on a loaded CI machine.
    CHECK(slowestMs < 1000);
}

TEST_CASE("Issue 22: a body sent slowly is cut off by the total request deadline, not only the idle timeout",
          "[e2e][connections]") {
    TestServer server([](config::Settings& s) {
        s.requestTimeoutMs = 1000;
        s.keepAliveTimeoutMs = 10000;  // far longer: only the request deadline can end this
    });
    const std::string body = printJob("admission-info");
    Client client(server.port());
    const auto started = SteadyClock::now();
    client.send("POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
    // A byte every 100 ms: never idle long, never done.
    Answer a;
    for (size_t at = 0; at < body.size() && msSince(started) < 5000; ++at) {
        try {
            client.send(body.substr(at, 1));
        } catch (const Poco::Exception&) {
            break;  // the server closed on us
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (msSince(started) > 1500) break;
    }
    a = client.read();
    const double ms = msSince(started);
    CHECK(a.status == 408);
    CHECK(a.body.find("request_timeout") != std::string::npos);
    CHECK(client.closedByServer());
    CHECK(ms >= 1000);
    CHECK(ms < 5000);
    CHECK(server.get("/healthz").status == 200);
}

TEST_CASE("Issue 22: the connections from one client address are bounded", "[e2e][connections]") {
    TestServer server([](config::Settings& s) { s.maxConnectionsPerClient = 5; });
    std::vector<std::unique_ptr<Client>> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(std::make_unique<Client>(server.port()));
        open.back()->send(kHealthz);
        REQUIRE(open.back()->read().status == 200);  // accepted and counted
    }
    {
        Client extra(server.port());
        Answer a = extra.read();
        CHECK(a.status == 503);
        CHECK(a.body.find("too_many_connections") != std::string::npos);
        CHECK(Poco::toLower(a.headers["connection"]) == "close");
        CHECK(!a.headers["retry-after"].empty());
        CHECK(extra.closedByServer());
    }
    // The ones within the limit still work; one closing makes room.
    open[0]->send(kHealthz);
    CHECK(open[0]->read().status == 200);
    open.pop_back();
    Answer again;
    for (int attempt = 0; attempt < 50 && again.status != 200; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        Client next(server.port());
        next.send(kHealthz);
        again = next.read();
    }
    CHECK(again.status == 200);
}

TEST_CASE("Issue 22: pipelined requests are answered in order", "[e2e][connections]") {
    TestServer server;
    Client client(server.port());
    client.send(kHealthz + "GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + jobRequest("{\"sheet\":") + kHealthz);
    CHECK(client.read().status == 200);
    CHECK(client.read().status == 404);
    CHECK(client.read().status == 400);
    CHECK(client.read().status == 200);
}

TEST_CASE("Issue 22: whole requests beyond the worker queue get 503 with Retry-After", "[e2e][connections]") {
    TestServer server([](config::Settings& s) {
        s.threads = 1;
        s.maxQueuedRequests = 1;
        s.duplicateWindowSeconds = 0;
    });
    constexpr int kClients = 40;
    const std::string job = jobRequest(printJob("admission-info"));
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<Client>(server.port(), 30));
    for (auto& c : clients) c->send(job);
    int created = 0, refused = 0;
    for (auto& c : clients) {
        Answer a = c->read();
        INFO(a.status << " " << a.body);
        if (a.status == 201) {
            ++created;
            continue;
        }
        REQUIRE(a.status == 503);
        CHECK(a.headers["retry-after"] == "1");
        CHECK(a.body.find("\"unavailable\"") != std::string::npos);
        ++refused;
    }
    CHECK(created >= 1);
    CHECK(refused >= 1);
    CHECK(server.get("/healthz").status == 200);
}
