#include "http/reactor.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timestamp.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/problem.h"
#include "http/request_framer.h"

namespace http {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
constexpr uint64_t kFirstConnectionId = 2;
constexpr int kMaxEvents = 256;
// How often deadlines are checked: the granularity of every timeout.
constexpr auto kTick = std::chrono::milliseconds(100);
// At most this much is read from one connection per wake-up, so one fast
// sender cannot keep the loop from the others.
constexpr size_t kMaxReadPerEvent = 256 * 1024;
// A connection whose answers the client does not read is not read from
// either once this much output waits (a pipelining client that never reads).
constexpr size_t kMaxPendingOutput = 1 << 20;
// Before a connection that is done closes, input still arriving is read and
// dropped for at most this long and this much: closing a socket with unread
// input makes the kernel send a reset, which can take the last answer (a 400,
// a 413 before the body was read) with it before the client has read it.
constexpr auto kLinger = std::chrono::milliseconds(1000);
constexpr size_t kLingerBytes = 8 << 20;
// Descriptors kept free for everything else the process opens (the job
// store, spool files, templates) when the connection limit is fitted to
// RLIMIT_NOFILE.
constexpr int kSpareDescriptors = 256;

Poco::Logger& log() { return Poco::Logger::get("renkei.http"); }

long long msSince(TimePoint since, TimePoint now) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count();
}

struct Connection {
    enum class Phase {
        Reading,    // framing the next request
        Busy,       // a request is with the workers; not read from meanwhile
        Closing,    // writing the last answer, then Lingering
        Lingering,  // answered and shut down for sending; reading until the client closes
    };

    Connection(uint64_t id_, int fd_, const FramerLimits& limits) : id(id_), fd(fd_), framer(limits) {}
    ~Connection() { ::close(fd); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool outputPending() const { return sent < out.size(); }

    const uint64_t id;
    const int fd;
    Poco::Net::SocketAddress client, server;
    std::string clientHost;
    bool counted = false;  // counts against its address's limit
    std::string in;
    RequestFramer framer;
    std::string out;
    size_t sent = 0;  // bytes of out written
    Phase phase = Phase::Reading;
    bool inputEnded = false;
    bool requestStarted = false;
    TimePoint requestStart, lastReceive, idleSince, lastSend, lingerUntil;
    size_t lingered = 0;
    uint32_t events = 0;  // registered with epoll
    bool registered = false;
};

// A whole request on its way to a worker.
struct Work {
    uint64_t connection;
    FramedRequest framed;
    Poco::Net::SocketAddress client, server;
    bool closeAfter;
};

// A worker's answer on its way back to the I/O thread.
struct Done {
    uint64_t connection;
    std::string bytes;
    bool keepAlive;
};

}  // namespace

struct Reactor::Impl {
    Impl(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_, const Poco::Net::ServerSocket& socket_,
         Poco::Net::HTTPServerParams::Ptr params_, ReactorLimits limits_)
        : handlers(std::move(handlers_)), socket(socket_), params(std::move(params_)), limits(limits_),
          framerLimits{limits.maxHeadBytes, limits.maxBodyBytes} {}

    ~Impl() {
        if (epoll >= 0) ::close(epoll);
        if (wake >= 0) ::close(wake);
    }

    // ---- I/O thread ----

    void run() {
        epoll_event events[kMaxEvents];
        TimePoint nextTick = SteadyClock::now() + kTick;
        for (;;) {
            const long long waitMs = std::max<long long>(0, msSince(SteadyClock::now(), nextTick));
            const int n = ::epoll_wait(epoll, events, kMaxEvents, static_cast<int>(waitMs) + 1);
            if (n < 0 && errno != EINTR) {
                log().critical("the connection loop stopped: epoll_wait: %s", std::string(std::strerror(errno)));
                break;
            }
            now = SteadyClock::now();
            for (int i = 0; i < n; ++i) {
                const uint64_t id = events[i].data.u64;
                const uint32_t what = events[i].events;
                if (id == kListenId) {
                    acceptAll();
                } else if (id == kWakeId) {
                    uint64_t count;
                    while (::read(wake, &count, sizeof count) > 0) {
                    }
                    takeAnswers();
                } else {
                    Connection* c = find(id);
                    if (!c) continue;
                    if (what & (EPOLLERR | EPOLLHUP)) {
                        close(*c);
                        continue;
                    }
                    if ((what & (EPOLLIN | EPOLLRDHUP)) && !onReadable(*c)) continue;
                    if (what & EPOLLOUT) flush(*c);
                }
            }
            if (now >= nextTick) {
                checkTimers();
                nextTick = now + kTick;
            }
            if (stopping.load()) {
                if (!stopSeen) beginStop();
                if (connections.empty()) break;
            }
        }
        connections.clear();
    }

    Connection* find(uint64_t id) {
        auto it = connections.find(id);
        return it == connections.end() ? nullptr : it->second.get();
    }

    void acceptAll() {
        const int listenFd = socket.impl()->sockfd();
        while (static_cast<int>(connections.size()) < maxConnections) {
            sockaddr_storage address;
            socklen_t length = sizeof address;
            const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&address), &length,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                // Out of descriptors (EMFILE, ENFILE) or memory: pause until a
                // connection closes or the next tick, or the loop would spin.
                log().warning("accept: %s; accepting paused", std::string(std::strerror(errno)));
                pauseAccepting();
                return;
            }
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            auto owned = std::make_unique<Connection>(nextId++, fd, framerLimits);
            Connection& c = *owned;
            try {
                c.client = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length);
                sockaddr_storage local;
                socklen_t localLength = sizeof local;
                if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) == 0)
                    c.server = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&local), localLength);
            } catch (const Poco::Exception& e) {
                log().warning("accept: unusable address: %s", e.displayText());
                continue;  // owned closes it
            }
            c.clientHost = c.client.host().toString();
            c.idleSince = c.lastSend = c.lastReceive = now;
            connections.emplace(c.id, std::move(owned));
            int& perClient = clients[c.clientHost];
            if (perClient >= limits.maxConnectionsPerClient) {
                log().warning("connection from %s refused: %d open from that address", c.clientHost, perClient);
                answerAndClose(c, problemAnswer(503, "too_many_connections",
                                                "この接続元からの接続が多すぎます。しばらくしてから再度お試しください。",
                                                false, "5"));
                continue;
            }
            ++perClient;
            c.counted = true;
            if (!watch(c, EPOLLIN | EPOLLRDHUP)) close(c);
        }
        pauseAccepting();
    }

    void pauseAccepting() {
        if (!accepting) return;
        ::epoll_ctl(epoll, EPOLL_CTL_DEL, socket.impl()->sockfd(), nullptr);
        accepting = false;
    }

    void resumeAccepting() {
        if (accepting || stopSeen || static_cast<int>(connections.size()) >= maxConnections) return;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u64 = kListenId;
        if (::epoll_ctl(epoll, EPOLL_CTL_ADD, socket.impl()->sockfd(), &e) == 0) accepting = true;
    }

    bool watch(Connection& c, uint32_t events) {
        epoll_event e{};
        e.events = events;
        e.data.u64 = c.id;
        if (::epoll_ctl(epoll, c.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd, &e) != 0) return false;
        c.registered = true;
        c.events = events;
        return true;
    }

    // Registers what the connection waits for now.
    bool updateEvents(Connection& c) {
        uint32_t events = 0;
        const bool readable =
            (c.phase == Connection::Phase::Reading && c.out.size() - c.sent < kMaxPendingOutput) ||
            c.phase == Connection::Phase::Lingering;
        if (readable && !c.inputEnded) events |= EPOLLIN | EPOLLRDHUP;
        if (c.outputPending()) events |= EPOLLOUT;
        if (events == c.events) return true;
        if (!watch(c, events)) {
            close(c);
            return false;
        }
        return true;
    }

    // Reads what has arrived. False when the connection was closed.
    bool onReadable(Connection& c) {
        char buffer[64 * 1024];
        size_t total = 0;
        while (total < kMaxReadPerEvent && !c.inputEnded) {
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                total += static_cast<size_t>(n);
                c.lastReceive = now;
                if (c.phase == Connection::Phase::Lingering) {
                    c.lingered += static_cast<size_t>(n);
                    if (c.lingered > kLingerBytes) return close(c);
                } else {
                    c.in.append(buffer, static_cast<size_t>(n));
                }
                continue;
            }
            if (n == 0) {
                c.inputEnded = true;
                break;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return close(c);  // reset
        }
        if (c.phase == Connection::Phase::Lingering) {
            if (c.inputEnded) return close(c);
            return true;
        }
        if (c.phase == Connection::Phase::Reading) return processInput(c);
        return updateEvents(c);
    }

    // Frames what the connection has read and hands whole requests on.
    // False when the connection was closed.
    bool processInput(Connection& c) {
        while (c.phase == Connection::Phase::Reading) {
            const RequestFramer::Outcome outcome = c.framer.frame(c.in, c.inputEnded);
            if (outcome == RequestFramer::Outcome::NeedMore) {
                if (c.framer.takeContinue()) queueOutput(c, "HTTP/1.1 100 Continue\r\n\r\n");
                const bool started = c.framer.started(c.in);
                if (started && !c.requestStarted) {
                    c.requestStarted = true;
                    c.requestStart = now;
                }
                if (c.inputEnded && !started) {  // the client is done
                    if (!c.outputPending()) return close(c);
                    c.phase = Connection::Phase::Closing;
                }
                break;
            }
            if (outcome == RequestFramer::Outcome::Refused) {
                const HeadProblem& problem = c.framer.problem();
                const std::string answer = problemAnswer(c.framer.refusedStatus(), problem.code, problem.title, false);
                log().information("(refused request head from %s) -> %d %s", c.clientHost, c.framer.refusedStatus(),
                                  problem.code);
                return answerAndClose(c, answer);
            }
            FramedRequest framed = c.framer.take();
            c.requestStarted = false;
            const bool closeAfter = framed.bodyBroken || framed.bodyTooLarge;
            if (!enqueue(c, std::move(framed), closeAfter)) {
                log().warning("request from %s refused: %d requests wait for a worker", c.clientHost,
                              limits.maxQueuedRequests);
                const std::string answer = problemAnswer(503, "unavailable", "", !closeAfter, "1");
                if (closeAfter) return answerAndClose(c, answer);
                queueOutput(c, answer);
                continue;
            }
        }
        return flush(c);
    }

    // Hands a whole request to the workers; false when too many wait already.
    bool enqueue(Connection& c, FramedRequest framed, bool closeAfter) {
        {
            std::lock_guard<std::mutex> lock(queueMutex);
            if (static_cast<int>(queue.size()) >= limits.maxQueuedRequests) return false;
            queue.push_back(Work{c.id, std::move(framed), c.client, c.server, closeAfter});
        }
        queueReady.notify_one();
        c.phase = Connection::Phase::Busy;
        return true;
    }

    void takeAnswers() {
        std::vector<Done> answers;
        {
            std::lock_guard<std::mutex> lock(doneMutex);
            answers.swap(done);
        }
        for (Done& answer : answers) {
            Connection* c = find(answer.connection);
            if (!c) continue;  // the client went away meanwhile
            queueOutput(*c, answer.bytes);
            if (!answer.keepAlive || stopSeen) {
                c->phase = Connection::Phase::Closing;
                flush(*c);
                continue;
            }
            c->phase = Connection::Phase::Reading;
            c->idleSince = now;
            processInput(*c);  // a pipelined request may be waiting already
        }
    }

    void queueOutput(Connection& c, const std::string& bytes) {
        if (!c.outputPending()) {
            c.out.clear();
            c.sent = 0;
            c.lastSend = now;
        }
        c.out += bytes;
    }

    // Writes what it can. False when the connection was closed.
    bool flush(Connection& c) {
        while (c.outputPending()) {
            const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
            if (n > 0) {
                c.sent += static_cast<size_t>(n);
                c.lastSend = now;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            return close(c);
        }
        if (!c.outputPending()) {
            c.out.clear();
            c.sent = 0;
            if (c.phase == Connection::Phase::Closing) return startLinger(c);
        }
        return updateEvents(c);
    }

    bool answerAndClose(Connection& c, const std::string& answer) {
        queueOutput(c, answer);
        c.phase = Connection::Phase::Closing;
        c.in.clear();
        return flush(c);
    }

    bool startLinger(Connection& c) {
        if (c.inputEnded) return close(c);
        ::shutdown(c.fd, SHUT_WR);
        c.phase = Connection::Phase::Lingering;
        c.lingerUntil = now + kLinger;
        c.in.clear();
        return updateEvents(c);
    }

    // Closes and forgets the connection. Returns false (for "closed").
    bool close(Connection& c) {
        if (c.counted) {
            auto it = clients.find(c.clientHost);
            if (it != clients.end() && --it->second <= 0) clients.erase(it);
        }
        connections.erase(c.id);  // closes the descriptor, which leaves epoll
        resumeAccepting();
        return false;
    }

    void checkTimers() {
        std::vector<uint64_t> expired, late;
        for (auto& [id, owned] : connections) {
            Connection& c = *owned;
            if (c.outputPending() && msSince(c.lastSend, now) > limits.ioTimeoutMs) {
                expired.push_back(id);
                continue;
            }
            switch (c.phase) {
            case Connection::Phase::Reading:
                if (c.requestStarted && (msSince(c.requestStart, now) > limits.requestTimeoutMs ||
                                         msSince(c.lastReceive, now) > limits.ioTimeoutMs))
                    late.push_back(id);
                else if (!c.requestStarted && !c.outputPending() && msSince(c.idleSince, now) > limits.keepAliveTimeoutMs)
                    expired.push_back(id);
                break;
            case Connection::Phase::Lingering:
                if (now > c.lingerUntil) expired.push_back(id);
                break;
            case Connection::Phase::Busy:
            case Connection::Phase::Closing: break;
            }
        }
        for (uint64_t id : expired)
            if (Connection* c = find(id)) close(*c);
        for (uint64_t id : late) {
            Connection* c = find(id);
            if (!c) continue;
            log().information("(request from %s not whole in time) -> 408", c->clientHost);
            answerAndClose(*c, problemAnswer(408, "request_timeout", "", false));
        }
        if (!accepting) resumeAccepting();
    }

    void beginStop() {
        stopSeen = true;
        pauseAccepting();
        std::vector<uint64_t> idle;
        for (auto& [id, owned] : connections) {
            Connection& c = *owned;
            if (c.phase == Connection::Phase::Lingering ||
                (c.phase == Connection::Phase::Reading && !c.outputPending()))
                idle.push_back(id);
            else if (c.phase == Connection::Phase::Reading)
                c.phase = Connection::Phase::Closing;
        }
        for (uint64_t id : idle)
            if (Connection* c = find(id)) close(*c);
    }

    // An answer the I/O thread makes itself (a refused request, a timeout,
    // too many connections or requests): a problem document.
    std::string problemAnswer(int status, const std::string& code, const std::string& title, bool keepAlive,
                              const std::string& retryAfter = "") {
        BufferedResponse response(false);
        const std::string requestId = newRequestId();
        response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
        response.setDate(Poco::Timestamp());
        response.setKeepAlive(keepAlive);
        const std::string server = params->getSoftwareVersion();
        if (!server.empty()) response.set("Server", server);
        response.set("X-Request-Id", requestId);
        response.set("Cache-Control", "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        if (!retryAfter.empty()) response.set("Retry-After", retryAfter);
        sendProblem(response, status, code, title, requestId);
        return response.serialize();
    }

    // ---- workers ----

    void work() {
        for (;;) {
            Work w;
            {
                std::unique_lock<std::mutex> lock(queueMutex);
                queueReady.wait(lock, [this] { return workersQuit || !queue.empty(); });
                if (queue.empty()) return;
                w = std::move(queue.front());
                queue.pop_front();
            }
            Done answer = serve(w);
            bool first;
            {
                std::lock_guard<std::mutex> lock(doneMutex);
                first = done.empty();
                done.push_back(std::move(answer));
            }
            if (first) {
                const uint64_t one = 1;
                [[maybe_unused]] ssize_t written = ::write(wake, &one, sizeof one);
            }
        }
    }

    Done serve(Work& w) {
        BufferedRequest& request = *w.framed.request;
        BufferedResponse response(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
        bool keepAlive = false;
        try {
            request.attach(std::move(w.framed.body), w.framed.bodyBroken, w.client, w.server, params, response);
            response.setDate(Poco::Timestamp());
            response.setVersion(request.getVersion());
            keepAlive = params->getKeepAlive() && request.getKeepAlive() && !w.closeAfter && !stopping.load();
            response.setKeepAlive(keepAlive);
            const std::string& server = params->getSoftwareVersion();
            if (!server.empty()) response.set("Server", server);
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers->createRequestHandler(request));
            if (!handler) throw std::logic_error("the handler factory returned no handler");
            handler->handleRequest(request, response);
            keepAlive = keepAlive && response.getKeepAlive();
            response.setKeepAlive(keepAlive);
            return Done{w.connection, response.serialize(), keepAlive};
        } catch (const std::exception& e) {
            // The handler answers everything itself; this is the backstop Poco has too.
            log().error("request on a connection from %s: unexpected: %s", w.client.host().toString(),
                        std::string(e.what()));
        } catch (...) {
            log().error("request on a connection from %s: unexpected non-standard exception",
                        w.client.host().toString());
        }
        try {
            BufferedResponse fallback(false);
            fallback.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            fallback.setKeepAlive(false);
            sendProblem(fallback, 500, "internal", "", newRequestId());
            return Done{w.connection, fallback.serialize(), false};
        } catch (...) {
            return Done{w.connection, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        false};
        }
    }

    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers;
    Poco::Net::ServerSocket socket;
    Poco::Net::HTTPServerParams::Ptr params;
    const ReactorLimits limits;
    const FramerLimits framerLimits;
    int maxConnections = 0;  // limits.maxConnections fitted to RLIMIT_NOFILE
    int epoll = -1;
    int wake = -1;  // eventfd: answers are waiting, or stop() was called
    std::thread io;
    std::vector<std::thread> workers;
    std::atomic<bool> stopping{false};

    // I/O thread only.
    std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
    std::unordered_map<std::string, int> clients;  // open connections per address
    uint64_t nextId = kFirstConnectionId;
    TimePoint now = SteadyClock::now();
    bool accepting = false;
    bool stopSeen = false;

    std::mutex queueMutex;  // guards queue and workersQuit
    std::condition_variable queueReady;
    std::deque<Work> queue;
    bool workersQuit = false;

    std::mutex doneMutex;  // guards done
    std::vector<Done> done;
};

Reactor::Reactor(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Poco::Net::ServerSocket& socket,
                 Poco::Net::HTTPServerParams::Ptr params, ReactorLimits limits)
    : impl_(std::make_unique<Impl>(std::move(handlers), socket, std::move(params), limits)) {}

Reactor::~Reactor() { stop(); }

void Reactor::start() {
    Impl& i = *impl_;
    // Each connection is a descriptor: take what the hard limit allows, and
    // fit the connection limit to it.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
        if (files.rlim_cur < files.rlim_max) {
            files.rlim_cur = files.rlim_max;
            ::setrlimit(RLIMIT_NOFILE, &files);
            ::getrlimit(RLIMIT_NOFILE, &files);
        }
        const long long usable = static_cast<long long>(files.rlim_cur) - kSpareDescriptors;
        i.maxConnections = static_cast<int>(std::max<long long>(1, std::min<long long>(i.limits.maxConnections, usable)));
        if (i.maxConnections < i.limits.maxConnections)
            log().warning("server.maxConnections %d lowered to %d to fit the open files limit (%s)",
                          i.limits.maxConnections, i.maxConnections, std::to_string(files.rlim_cur));
    } else {
        i.maxConnections = i.limits.maxConnections;
    }
    i.epoll = ::epoll_create1(EPOLL_CLOEXEC);
    i.wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (i.epoll < 0 || i.wake < 0) throw Poco::IOException("cannot set up the connection loop", std::strerror(errno));
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = kWakeId;
    if (::epoll_ctl(i.epoll, EPOLL_CTL_ADD, i.wake, &e) != 0)
        throw Poco::IOException("cannot set up the connection loop", std::strerror(errno));
    i.socket.setBlocking(false);
    i.resumeAccepting();
    if (!i.accepting) throw Poco::IOException("cannot watch the listening socket", std::strerror(errno));
    for (int n = 0; n < std::max(1, i.limits.workers); ++n) i.workers.emplace_back([&i] { i.work(); });
    i.io = std::thread([&i] { i.run(); });
}

void Reactor::stop() {
    Impl& i = *impl_;
    if (i.stopping.exchange(true)) return;
    if (i.io.joinable()) {
        const uint64_t one = 1;
        [[maybe_unused]] ssize_t written = ::write(i.wake, &one, sizeof one);
        i.io.join();
    }
    {
        std::lock_guard<std::mutex> lock(i.queueMutex);
        i.workersQuit = true;
    }
    i.queueReady.notify_all();
    for (std::thread& t : i.workers) t.join();
    i.workers.clear();
}

}  // namespace http
