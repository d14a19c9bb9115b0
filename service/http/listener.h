// Listener: accepts connections and serves HTTP/1.1 on them with our own
// connection loop in place of Poco's HTTPServerConnection, so that a request
// whose framing cannot be trusted is answered 400 and its connection closed,
// never dropped without an answer or half-served: a malformed request line or
// header, an unknown HTTP version, a bad or repeated Content-Length,
// Content-Length with Transfer-Encoding, or a chunked body cut short.
// Thread safety: start() and stop() from one thread; connections run on the
// TCPServer's threads.
#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>

#include <memory>
#include <string>

namespace http {

// Why a request head is refused: a stable code and a Japanese title.
struct HeadProblem {
    std::string code;
    std::string title;
    bool ok() const { return code.empty(); }
};

// Checks what Poco 1.11 lets through when it parses a request head: the
// version must be HTTP/1.0 or HTTP/1.1 (a space in the URI shows up here as
// a bad version), the method and every field name a token; HTTP/1.1 needs
// exactly one Host; at most one Content-Length, digits only; Transfer-Encoding
// only "chunked", never with Content-Length and never on HTTP/1.0. Returns the
// first problem, or one with ok() when the head is acceptable.
HeadProblem checkRequestHead(const Poco::Net::HTTPRequest& request);

class Listener {
public:
    // Serves requests from `handlers` on `socket`, which is bound and listening.
    Listener(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Poco::Net::ServerSocket& socket,
             Poco::Net::HTTPServerParams::Ptr params);
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
    std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace http
