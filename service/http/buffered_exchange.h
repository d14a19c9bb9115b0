// BufferedRequest and BufferedResponse: Poco's HTTPServerRequest and
// HTTPServerResponse over memory, so a request handler can run on a worker
// thread for a request the reactor (http/reactor.h) has already read whole,
// and its answer goes back to the reactor as bytes instead of being written
// to a socket. Each pair is used by one thread at a time.
#pragma once

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <istream>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>

namespace http {

// The body as handlers read it: the bytes that arrived. When the body broke
// off (the client closed early, a chunk line was malformed) reading past the
// bytes that arrived sets badbit, as reading a socket did, so a handler never
// takes a body cut short for a whole one.
class BodyStreamBuf : public std::streambuf {
public:
    BodyStreamBuf(std::string body, bool broken);

protected:
    int_type underflow() override;

private:
    std::string body_;
    bool broken_;
    bool done_ = false;
};

class BufferedResponse;

class BufferedRequest : public Poco::Net::HTTPServerRequest {
public:
    BufferedRequest() = default;
    BufferedRequest(const BufferedRequest&) = delete;
    BufferedRequest& operator=(const BufferedRequest&) = delete;

    // Completes the request once its head has been read (HTTPRequest::read)
    // and its body received. `response` and `params` must outlive it.
    void attach(std::string body, bool bodyBroken, const Poco::Net::SocketAddress& client,
                const Poco::Net::SocketAddress& server, Poco::Net::HTTPServerParams::Ptr params,
                BufferedResponse& response);

    std::istream& stream() override { return *stream_; }
    const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
    const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
    const Poco::Net::HTTPServerParams& serverParams() const override { return *params_; }
    Poco::Net::HTTPServerResponse& response() const override;
    bool secure() const override { return false; }

private:
    std::unique_ptr<BodyStreamBuf> body_;
    std::unique_ptr<std::istream> stream_;
    Poco::Net::SocketAddress client_, server_;
    Poco::Net::HTTPServerParams::Ptr params_;
    BufferedResponse* response_ = nullptr;
};

class BufferedResponse : public Poco::Net::HTTPServerResponse {
public:
    // headRequest: the answer to HEAD keeps its headers but sends no body.
    explicit BufferedResponse(bool headRequest) : head_(headRequest) {}
    BufferedResponse(const BufferedResponse&) = delete;
    BufferedResponse& operator=(const BufferedResponse&) = delete;

    // The reactor answers Expect: 100-continue itself, before the body is read.
    void sendContinue() override {}
    std::ostream& send() override;
    void sendFile(const std::string& path, const std::string& mediaType) override;
    void sendBuffer(const void* buffer, std::size_t length) override;
    void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
    void requireAuthentication(const std::string& realm) override;
    bool sent() const override { return sent_; }

    // The whole answer as bytes: status line, headers with a Content-Length
    // for the body the handler wrote (no chunked coding: the body is whole),
    // and the body. An answer never sent becomes an empty one with the status
    // set. Call once, after the handler.
    std::string serialize();

private:
    bool head_;
    bool sent_ = false;
    std::ostringstream body_;
};

}  // namespace http
