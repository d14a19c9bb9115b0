// RequestFramer: splits the bytes one connection received into whole HTTP/1.x
// requests without blocking: the head is parsed (Poco's HTTPRequest::read)
// only once it has arrived whole, and checked with checkRequestHead; the body
// is taken by Content-Length or decoded from chunked, strictly. Used by the
// reactor's I/O thread; one framer per connection, not thread-safe.
#pragma once

#include <Poco/Net/HTTPRequest.h>

#include <memory>
#include <string>

#include "http/buffered_exchange.h"

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

extern const char* const kMalformedTitle;

struct FramerLimits {
    // A head (request line and fields) longer than this is refused with 431.
    size_t maxHeadBytes = 64 * 1024;
    // A body longer than this is not kept: the request is handed on with the
    // first maxBodyBytes + 1 bytes (so the handler answers 413) and the
    // connection closes after the answer.
    long long maxBodyBytes = 1 << 20;
};

// A whole request, or one whose body broke off.
struct FramedRequest {
    std::unique_ptr<BufferedRequest> request;  // the head; attach() the body
    std::string body;
    // The body ended early (the client closed, a chunk line was malformed):
    // reading past `body` fails. The connection must close after the answer.
    bool bodyBroken = false;
    // The body was over the limit and not read to its end: the connection
    // must close after the answer.
    bool bodyTooLarge = false;
};

class RequestFramer {
public:
    explicit RequestFramer(FramerLimits limits) : limits_(limits) {}

    enum class Outcome {
        NeedMore,  // no whole request yet
        Ready,     // take() the request
        Refused,   // answer status() with problem() and close the connection
    };

    // Frames from the front of `input`, erasing what it consumed. inputEnded:
    // the client will send nothing more, so a request cut short is handed on
    // broken (or refused, when its head is cut short).
    Outcome frame(std::string& input, bool inputEnded);

    // After Ready: the request. The framer starts on the next one.
    FramedRequest take();
    // After Refused: 400 or 431, and why.
    int refusedStatus() const { return refusedStatus_; }
    const HeadProblem& problem() const { return problem_; }
    // True while part of a request has been taken, or input that starts one
    // is waiting (the request deadline runs from then).
    bool started(const std::string& input) const;
    // True once after a head with "Expect: 100-continue" whose body has not
    // arrived: the caller sends "100 Continue".
    bool takeContinue();

private:
    enum class Stage { Head, Length, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Done };

    Outcome frameHead(std::string& input, bool inputEnded);
    Outcome frameChunked(std::string& input, bool inputEnded);
    Outcome refuse(int status, HeadProblem problem);
    Outcome finish(bool broken, bool tooLarge);
    // A CRLF-terminated line at the front of input (without the CRLF); false
    // when it has not arrived. Sets broken_ for a bare LF or an overlong line.
    bool takeLine(std::string& input, std::string& line);

    FramerLimits limits_;
    Stage stage_ = Stage::Head;
    FramedRequest current_;
    long long left_ = 0;  // body bytes (Length) or chunk bytes (ChunkData) still to come
    int trailers_ = 0;
    bool continue_ = false;
    bool lineBroken_ = false;
    int refusedStatus_ = 0;
    HeadProblem problem_;
};

}  // namespace http
