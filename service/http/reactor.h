// Reactor: serves plain HTTP/1.1 with one I/O thread and a fixed pool of
// worker threads, so an idle or slow connection costs memory, not a thread.
// The I/O thread (an epoll loop around the listening Poco ServerSocket)
// accepts, reads without blocking and frames requests (http/request_framer.h);
// only whole requests go to the workers, through one FIFO queue, so requests
// are served in the order they became whole across all connections. A worker
// runs the handler on a BufferedRequest/BufferedResponse pair and hands the
// answer's bytes back; the I/O thread writes them without blocking. One
// request per connection is with the workers at a time, so pipelined requests
// are answered in order.
//
// Limits (ReactorLimits): a total deadline per request (head and body; 408
// and close) beside a timeout for a request or an answer that makes no
// progress, an idle time between requests, connections in
// all and per client address (over the per-address limit: 503 and close;
// at the global limit accepting pauses and the kernel's backlog holds the
// rest), and whole requests waiting for a worker (over: 503 with
// Retry-After, the connection stays open).
//
// Linux only (epoll, eventfd). Thread safety: start() and stop() from one
// thread.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

#include <memory>

namespace http {

struct ReactorLimits {
    int workers = 64;                       // threads running handlers
    int maxQueuedRequests = 1024;           // whole requests waiting for a worker
    long long requestTimeoutMs = 30000;     // first byte of a request to its last
    long long keepAliveTimeoutMs = 5000;    // idle time between requests
    long long ioTimeoutMs = 10000;          // a request or an answer that makes no progress this long
    int maxConnections = 4096;              // open connections in all
    int maxConnectionsPerClient = 1024;     // open connections per client address
    size_t maxHeadBytes = 64 * 1024;        // a longer request head gets 431
    long long maxBodyBytes = 1 << 20;       // a longer body is not kept (the handler answers 413)
};

class Reactor {
public:
    // Serves requests from `handlers` on `socket`, which is bound and
    // listening; `params` gives the server name and whether to keep alive.
    Reactor(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Poco::Net::ServerSocket& socket,
            Poco::Net::HTTPServerParams::Ptr params, ReactorLimits limits);
    ~Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // Starts the I/O thread and the workers. Throws Poco::IOException when
    // epoll cannot be set up.
    void start();
    // Stops accepting and closes idle connections; requests already whole are
    // served and their answers written (each for at most the send timeout),
    // then every connection closes. Safe to call twice.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace http
