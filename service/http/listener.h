// Listener: accepts connections and serves HTTP/1.1 on them.
//
// Plain HTTP goes through the Reactor (http/reactor.h): one I/O thread reads
// every connection without blocking and hands only whole requests to a fixed
// pool of workers, so idle keep-alive and slow clients hold no thread.
//
// HTTPS keeps a thread per connection (a Poco TCPServer running our own
// connection loop). Poco 1.11's SecureStreamSocket does not support
// non-blocking use well: a read may need a write (renegotiation, TLS 1.3
// tickets) and the handshake is driven from inside receiveBytes, so an
// epoll loop over it would misread "would block" and stall. The deployments
// that face many clients run behind a TLS-terminating proxy
// (server.behindTlsProxy) and get the reactor; built-in TLS serves a few
// clients directly, limited by server.threads.
//
// Both paths refuse a request whose framing cannot be trusted with 400 and a
// closed connection, never drop it without an answer or serve half of it: a
// malformed request line or header, an unknown HTTP version, a bad or
// repeated Content-Length, Content-Length with Transfer-Encoding, or a
// chunked body cut short (checkRequestHead, http/request_framer.h).
// Thread safety: start() and stop() from one thread.
#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>

#include <memory>
#include <string>

#include "http/reactor.h"
#include "http/request_framer.h"

namespace http {

class Listener {
public:
    // Serves requests from `handlers` on `socket`, which is bound and
    // listening: a SecureServerSocket when `tls` (thread per connection, as
    // params say), else a plain one (the reactor, with `limits`).
    Listener(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Poco::Net::ServerSocket& socket,
             Poco::Net::HTTPServerParams::Ptr params, bool tls, const ReactorLimits& limits);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    void start();
    // Stops accepting. Each open connection finishes the request it is
    // serving, then closes; returns once no request is being served. Safe to
    // call twice.
    void stop();

    struct StopSignal;  // listener.cpp

private:
    std::shared_ptr<StopSignal> stop_;
    std::unique_ptr<Poco::Net::TCPServer> server_;  // TLS
    std::unique_ptr<Reactor> reactor_;              // plain HTTP
};

}  // namespace http
