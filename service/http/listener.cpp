#include "http/listener.h"

#include <Poco/Ascii.h>
#include <Poco/BasicEvent.h>
#include <Poco/BufferedStreamBuf.h>
#include <Poco/Delegate.h>
#include <Poco/Logger.h>
#include <Poco/Mutex.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <istream>

#include "http/problem.h"

namespace http {

// Fired by Listener::stop(), to every open connection: abort the current
// request (true) or let it finish (false).
struct Listener::StopSignal {
    Poco::BasicEvent<const bool> stopped;
};

namespace {

using StopSignal = Listener::StopSignal;

const char* kContentLengthTitle = "Content-Length が正しくありません(0 以上の整数を1つだけ指定してください)。";

// After a handler: what it left of a body is read and dropped so the next
// request on the connection starts where it should, if the rest is at most
// this long and arrives this soon; otherwise the connection closes.
constexpr long long kSkipBodyBytes = 64 * 1024;
constexpr Poco::Timestamp::TimeDiff kSkipBodyUs = 1000 * 1000;
// Before a refused connection closes, input still arriving is read for at most
// this long: closing a socket with unread input makes the kernel send a reset,
// which can take the 400 with it before the client has read it.
constexpr long long kLingerBytes = 64 * 1024;
constexpr Poco::Timestamp::TimeDiff kLingerUs = 500 * 1000;
// A chunk-size or trailer line longer than this is not a chunked body we take.
constexpr size_t kMaxChunkLineBytes = 4096;
constexpr int kMaxTrailerLines = 64;

Poco::Logger& log() { return Poco::Logger::get("renkei.http"); }

// HTTPSession keeps its byte-level reads protected; the body decoder needs them.
class Session : public Poco::Net::HTTPServerSession {
public:
    Session(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params)
        : HTTPServerSession(socket, params) {}
    int getByte() { return get(); }
    int readSome(char* buffer, std::streamsize length) { return read(buffer, length); }
};

// The request body as handlers read it. Length: exactly Content-Length bytes.
// Chunked: decoded strictly (RFC 9112 §7.1), and ended only by the last chunk
// and the trailer section; Poco 1.11's decoder takes the end of the input,
// or a chunk-size line that is not hex, for the end of the body. None: empty,
// as RFC 9112 §6.3 says for a request without framing (Poco 1.11 would read
// until the client closes). A body that ends early or breaks the chunked
// syntax throws from readFromDevice, which the istream turns into bad(): a
// handler never takes a body cut short for a whole one.
class BodyBuf : public Poco::BufferedStreamBuf {
public:
    enum class Framing { None, Length, Chunked };

    BodyBuf(Session& session, Framing framing, long long length)
        : Poco::BufferedStreamBuf(8192, std::ios::in), session_(session), framing_(framing),
          left_(framing == Framing::Length ? length : 0),
          ended_(framing == Framing::None || (framing == Framing::Length && length == 0)) {}

    // Reads and drops the rest of the body. True when it ended properly
    // within limitBytes and before the deadline.
    bool skipRest(long long limitBytes, const Poco::Timestamp& deadline) {
        char scrap[4096];
        long long skipped = 0;
        try {
            while (!ended_ && !broken_ && skipped <= limitBytes && Poco::Timestamp() < deadline)
                skipped += readFromDevice(scrap, sizeof scrap);
        } catch (const Poco::Exception&) {
            return false;
        }
        return ended_ && !broken_;
    }
    bool ended() const { return ended_; }

protected:
    int readFromDevice(char* buffer, std::streamsize length) override {
        if (ended_) return 0;
        if (broken_) throw Poco::Net::MessageException("request body unreadable after an earlier error");
        try {
            return framing_ == Framing::Length ? readData(buffer, length) : readChunked(buffer, length);
        } catch (...) {
            broken_ = true;
            throw;
        }
    }

private:
    int readChunked(char* buffer, std::streamsize length) {
        if (left_ == 0) {  // at a chunk-size line
            left_ = chunkSize(readLine());
            if (left_ == 0) {
                for (int i = 0; !readLine().empty(); ++i)
                    if (i == kMaxTrailerLines) throw Poco::Net::MessageException("too many trailer lines");
                ended_ = true;
                return 0;
            }
        }
        int n = readData(buffer, length);
        if (left_ == 0 && !readLine().empty()) throw Poco::Net::MessageException("no CRLF after chunk data");
        return n;
    }

    int readData(char* buffer, std::streamsize length) {
        int n = session_.readSome(buffer, static_cast<std::streamsize>(std::min<long long>(length, left_)));
        if (n <= 0) throw Poco::Net::MessageException("request body ended early");
        left_ -= n;
        if (framing_ == Framing::Length && left_ == 0) ended_ = true;
        return n;
    }

    // One line ending in CRLF, without it.
    std::string readLine() {
        std::string line;
        for (;;) {
            int ch = session_.getByte();
            if (ch == std::char_traits<char>::eof()) throw Poco::Net::MessageException("request body ended early");
            if (ch == '\r') {
                if (session_.getByte() != '\n') throw Poco::Net::MessageException("CR without LF in chunked body");
                return line;
            }
            if (ch == '\n') throw Poco::Net::MessageException("LF without CR in chunked body");
            line += static_cast<char>(ch);
            if (line.size() > kMaxChunkLineBytes) throw Poco::Net::MessageException("chunk line too long");
        }
    }

    // chunk-size [ BWS ";" chunk-ext ]: the extensions are ignored.
    static long long chunkSize(const std::string& line) {
        size_t digits = 0;
        while (digits < line.size() && Poco::Ascii::isHexDigit(static_cast<unsigned char>(line[digits]))) ++digits;
        if (digits == 0 || digits > 15) throw Poco::Net::MessageException("bad chunk size");
        size_t rest = digits;
        while (rest < line.size() && (line[rest] == ' ' || line[rest] == '\t')) ++rest;
        if (rest < line.size() && line[rest] != ';') throw Poco::Net::MessageException("bad chunk size");
        return std::stoll(line.substr(0, digits), nullptr, 16);
    }

    Session& session_;
    const Framing framing_;
    long long left_;  // bytes left in the body (Length) or in this chunk (Chunked)
    bool ended_;
    bool broken_ = false;
};

// Thrown while a request is made when its head is refused.
struct Refused {
    HeadProblem problem;
};

// Poco's request, reading its body through BodyBuf. Poco still makes its own
// body stream, which is never read.
class Request : public Poco::Net::HTTPServerRequestImpl {
public:
    Request(Poco::Net::HTTPServerResponseImpl& response, Session& session, Poco::Net::HTTPServerParams* params)
        : HTTPServerRequestImpl(response, session, params) {
        HeadProblem problem = checkRequestHead(*this);
        if (!problem.ok()) throw Refused{problem};
        const auto framing = getChunkedTransferEncoding() ? BodyBuf::Framing::Chunked
                             : hasContentLength()          ? BodyBuf::Framing::Length
                                                           : BodyBuf::Framing::None;
        body_ = std::make_unique<BodyBuf>(session, framing, framing == BodyBuf::Framing::Length ? getContentLength64() : 0);
        stream_ = std::make_unique<std::istream>(body_.get());
    }

    std::istream& stream() override { return *stream_; }
    BodyBuf& body() { return *body_; }

private:
    std::unique_ptr<BodyBuf> body_;
    std::unique_ptr<std::istream> stream_;
};

void lingerBeforeClose(Poco::Net::StreamSocket& socket) {
    try {
        socket.shutdownSend();
        const Poco::Timestamp started;
        char scrap[4096];
        long long read = 0;
        while (read < kLingerBytes) {
            const Poco::Timestamp::TimeDiff left = kLingerUs - started.elapsed();
            if (left <= 0 || !socket.poll(Poco::Timespan(left), Poco::Net::Socket::SELECT_READ)) break;
            int n = socket.receiveBytes(scrap, sizeof scrap);
            if (n <= 0) break;
            read += n;
        }
    } catch (const Poco::Exception&) {
        // The client is gone already.
    }
}

// Our HTTPServerConnection: Poco 1.11's loop, with requests whose head is
// refused answered 400 (Poco drops the connection without an answer on a bad
// Content-Length and serves a bad version or a space in the URI, echoing
// the token after the space into the status line), bodies read through
// BodyBuf, and the unread rest of a body skipped before the next request.
class Connection : public Poco::Net::TCPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
               Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, std::shared_ptr<StopSignal> stop)
        : TCPServerConnection(socket), params_(params), handlers_(handlers), stop_(std::move(stop)) {
        stop_->stopped += Poco::delegate(this, &Connection::onServerStopped);
    }

    ~Connection() override {
        try {
            stop_->stopped -= Poco::delegate(this, &Connection::onServerStopped);
        } catch (...) {
            // Nothing to do while being destroyed.
        }
    }

    void run() override {
        Session session(socket(), params_);
        while (!stopped_ && session.hasMoreRequests()) {
            try {
                Poco::FastMutex::ScopedLock lock(mutex_);
                if (stopped_ || !serveOne(session)) break;
            } catch (const Poco::Net::NoMessageException&) {
                break;  // the client closed an idle connection
            } catch (const Poco::Exception&) {
                if (session.networkException()) session.networkException()->rethrow();
                throw;
            }
        }
        // After the answer has gone out: the responses flush when destroyed.
        if (linger_) lingerBeforeClose(socket());
    }

private:
    // Serves one request. False when the connection must close.
    bool serveOne(Session& session) {
        // Dropped (and so flushed) as soon as the handler is done, before the
        // rest of an unread body is skipped.
        auto owned = std::make_unique<Poco::Net::HTTPServerResponseImpl>(session);
        Poco::Net::HTTPServerResponseImpl& response = *owned;
        std::unique_ptr<Request> request;
        try {
            request = std::make_unique<Request>(response, session, params_.get());
        } catch (const Refused& r) {
            return refuse(session, r.problem);
        } catch (const Poco::Net::MessageException&) {
            return refuse(session, {"malformed_request", kMalformedTitle});
        } catch (const Poco::SyntaxException&) {
            // Poco parses Content-Length while it makes the request, before
            // checkRequestHead can look at it.
            return refuse(session, {"invalid_content_length", kContentLengthTitle});
        }
        response.setDate(Poco::Timestamp());
        response.setVersion(request->getVersion());
        response.setKeepAlive(params_->getKeepAlive() && request->getKeepAlive() && session.canKeepAlive());
        const std::string server = params_->getSoftwareVersion();
        if (!server.empty()) response.set("Server", server);
        try {
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers_->createRequestHandler(*request));
            if (!handler) throw std::logic_error("the handler factory returned no handler");
            if (request->getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
                response.sendContinue();
            handler->handleRequest(*request, response);
        } catch (const Poco::Exception& e) {
            // The handler answers everything itself; this is the backstop Poco has too.
            const std::string requestId = newRequestId();
            Poco::Logger::get("renkei.http").error("request %s: unexpected: %s", requestId, e.displayText());
            try {
                if (!response.sent()) sendProblem(response, 500, "internal", "", requestId);
            } catch (const Poco::Exception&) {
                // The connection is lost; it closes below.
            }
            throw;
        }
        const bool responseKeepAlive = response.getKeepAlive();
        owned.reset();  // the answer goes out now
        bool bodyDone = request->body().ended();
        if (!bodyDone) {
            socket().setReceiveTimeout(Poco::Timespan(kSkipBodyUs));
            bodyDone = request->body().skipRest(kSkipBodyBytes, Poco::Timestamp() + kSkipBodyUs);
            socket().setReceiveTimeout(params_->getTimeout());
        }
        const bool keepAlive =
            params_->getKeepAlive() && responseKeepAlive && session.canKeepAlive() && bodyDone;
        session.setKeepAlive(keepAlive);
        linger_ = !bodyDone;
        return keepAlive;
    }

    // Answers 400 with a problem document; the connection closes. Returns false.
    bool refuse(Session& session, const HeadProblem& problem) {
        const std::string requestId = newRequestId();
        Poco::Net::HTTPServerResponseImpl response(session);  // a fresh one: the other may point at a half-made request
        response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
        response.setDate(Poco::Timestamp());
        response.setKeepAlive(false);
        const std::string server = params_->getSoftwareVersion();
        if (!server.empty()) response.set("Server", server);
        response.set("X-Request-Id", requestId);
        response.set("Cache-Control", "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        try {
            sendProblem(response, 400, problem.code, problem.title, requestId);
        } catch (const Poco::Exception&) {
            // The client is gone; the log line below is all that is left to do.
        }
        session.setKeepAlive(false);
        log().information("%s (refused request head) -> 400 %s", requestId, problem.code);
        linger_ = true;
        return false;
    }

    void onServerStopped(const bool& abortCurrent) {
        stopped_ = true;
        try {
            if (abortCurrent) {
                socket().shutdown();
            } else {
                Poco::FastMutex::ScopedLock lock(mutex_);  // let the current request finish
                socket().shutdown();
            }
        } catch (...) {
            // Already closed.
        }
    }

    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    std::shared_ptr<StopSignal> stop_;
    Poco::FastMutex mutex_;  // held while a request is served
    std::atomic<bool> stopped_{false};
    bool linger_ = false;  // input may be left unread when the connection closes
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                      std::shared_ptr<StopSignal> stop)
        : params_(params), handlers_(handlers), stop_(std::move(stop)) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, params_, handlers_, stop_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    std::shared_ptr<StopSignal> stop_;
};

}  // namespace

Listener::Listener(Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Poco::Net::ServerSocket& socket,
                   Poco::Net::HTTPServerParams::Ptr params, bool tls, const ReactorLimits& limits)
    : stop_(std::make_shared<StopSignal>()) {
    if (tls)
        server_ = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(params, handlers, stop_), socket, params);
    else
        reactor_ = std::make_unique<Reactor>(handlers, socket, params, limits);
}

Listener::~Listener() { stop(); }

void Listener::start() {
    if (server_) server_->start();
    if (reactor_) reactor_->start();
}

void Listener::stop() {
    if (reactor_) {
        reactor_->stop();
        reactor_.reset();
    }
    if (!server_) return;
    server_->stop();
    bool abortCurrent = false;
    stop_->stopped(this, abortCurrent);
    server_.reset();
}

}  // namespace http
