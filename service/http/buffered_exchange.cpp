#include "http/buffered_exchange.h"

#include <Poco/FileStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>

#include <stdexcept>

namespace http {

BodyStreamBuf::BodyStreamBuf(std::string body, bool broken) : body_(std::move(body)), broken_(broken) {
    char* begin = body_.empty() ? nullptr : &body_[0];
    setg(begin, begin, begin + body_.size());
}

BodyStreamBuf::int_type BodyStreamBuf::underflow() {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    // istream turns this into badbit: what a socket read that failed did.
    if (broken_) throw Poco::Net::MessageException("request body ended early or broke the chunked syntax");
    return traits_type::eof();
}

void BufferedRequest::attach(std::string body, bool bodyBroken, const Poco::Net::SocketAddress& client,
                             const Poco::Net::SocketAddress& server, Poco::Net::HTTPServerParams::Ptr params,
                             BufferedResponse& response) {
    body_ = std::make_unique<BodyStreamBuf>(std::move(body), bodyBroken);
    stream_ = std::make_unique<std::istream>(body_.get());
    client_ = client;
    server_ = server;
    params_ = std::move(params);
    response_ = &response;
}

Poco::Net::HTTPServerResponse& BufferedRequest::response() const {
    if (!response_) throw std::logic_error("BufferedRequest used before attach()");
    return *response_;
}

std::ostream& BufferedResponse::send() {
    if (sent_) throw std::logic_error("response sent twice");  // Poco asserts on this too
    sent_ = true;
    return body_;
}

void BufferedResponse::sendFile(const std::string& path, const std::string& mediaType) {
    Poco::FileInputStream in(path);
    setContentType(mediaType);
    Poco::StreamCopier::copyStream(in, send());
}

void BufferedResponse::sendBuffer(const void* buffer, std::size_t length) {
    setContentLength(static_cast<std::streamsize>(length));
    send().write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void BufferedResponse::redirect(const std::string& uri, HTTPStatus status) {
    setContentLength(0);
    setChunkedTransferEncoding(false);
    setStatusAndReason(status);
    set("Location", uri);
    send();
}

void BufferedResponse::requireAuthentication(const std::string& realm) {
    set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
    setContentLength(0);
    setStatusAndReason(HTTP_UNAUTHORIZED);
    send();
}

std::string BufferedResponse::serialize() {
    const int status = static_cast<int>(getStatus());
    const bool bodyless = status < 200 || status == 204 || status == 304;
    setChunkedTransferEncoding(false);
    std::string body = body_.str();
    if (bodyless) {
        erase(CONTENT_LENGTH);
        body.clear();
    } else if (head_) {
        body.clear();  // HEAD: the headers a GET would carry, no body
    } else {
        setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    std::ostringstream out;
    write(out);
    std::string bytes = out.str();
    bytes += body;
    return bytes;
}

}  // namespace http
