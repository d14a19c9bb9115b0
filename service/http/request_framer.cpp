#include "http/request_framer.h"

#include <Poco/Ascii.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string_view>

namespace http {

const char* const kMalformedTitle = "リクエスト行またはヘッダーの形式が正しくありません。";

namespace {

const char* kContentLengthTitle = "Content-Length が正しくありません(0 以上の整数を1つだけ指定してください)。";

// A chunk-size or trailer line longer than this is not a chunked body we take.
constexpr size_t kMaxChunkLineBytes = 4096;
constexpr int kMaxTrailerLines = 64;

bool isTokenChar(char c) {
    return Poco::Ascii::isAlphaNumeric(static_cast<unsigned char>(c)) ||
           (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool isToken(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar); }

bool isDigits(const std::string& s, size_t maxLength) {
    return !s.empty() && s.size() <= maxLength &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isBlank(char c) { return c == '\r' || c == '\n'; }

// chunk-size [ BWS ";" chunk-ext ]: the extensions are ignored. -1 when the
// line is not one.
long long chunkSize(const std::string& line) {
    size_t digits = 0;
    while (digits < line.size() && Poco::Ascii::isHexDigit(static_cast<unsigned char>(line[digits]))) ++digits;
    if (digits == 0 || digits > 15) return -1;
    size_t rest = digits;
    while (rest < line.size() && (line[rest] == ' ' || line[rest] == '\t')) ++rest;
    if (rest < line.size() && line[rest] != ';') return -1;
    return std::stoll(line.substr(0, digits), nullptr, 16);
}

// What Poco would take but a proxy in front may read otherwise, so a request
// could be smuggled past it (RFC 9112): a folded field line (obs-fold, a line
// starting with a space or a tab; §5.2 lets a server refuse it, and
// "Transfer-Encoding:\r\n chunked" is a classic), a CR that does not end a
// line (§2.2), a request line whose parts are not split by single spaces
// (§3: "GET  /x" is refused, not mended), and a control character other than
// a tab in a field (§5.5: DEL, ESC, ...). A bare LF ending a line is taken,
// as §2.2 allows.
HeadProblem checkHeadText(const std::string& head) {
    const HeadProblem malformed{"malformed_request", kMalformedTitle};
    for (size_t at = head.find('\r'); at != std::string::npos; at = head.find('\r', at + 1))
        if (at + 1 >= head.size() || head[at + 1] != '\n') return malformed;
    size_t start = 0;
    for (int line = 0; start < head.size(); ++line) {
        size_t end = head.find('\n', start);
        if (end == std::string::npos) end = head.size();
        size_t stop = end;
        if (stop > start && head[stop - 1] == '\r') --stop;
        const std::string_view text(head.data() + start, stop - start);  // no copy: the reactor's thread runs this
        start = end + 1;
        if (text.empty()) break;  // the blank line that ends the head
        if (line == 0) {
            const size_t first = text.find(' '), second = text.find(' ', first + 1);
            const bool threeParts = first != std::string_view::npos && second != std::string_view::npos &&
                                    text.find(' ', second + 1) == std::string_view::npos;
            if (!threeParts || first == 0 || second == first + 1 || second + 1 == text.size()) return malformed;
        } else if (text[0] == ' ' || text[0] == '\t') {
            return {"obsolete_line_folding", "ヘッダーを複数行に折り返さないでください。"};
        }
        for (char c : text) {
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) return malformed;
        }
    }
    return {};
}

}  // namespace

HeadProblem checkRequestHead(const Poco::Net::HTTPRequest& request) {
    using Poco::Net::HTTPMessage;
    const std::string& version = request.getVersion();
    if (version != HTTPMessage::HTTP_1_0 && version != HTTPMessage::HTTP_1_1) {
        const bool httpLike = version.size() == 8 && version.compare(0, 5, "HTTP/") == 0 &&
                              Poco::Ascii::isDigit(version[5]) && version[6] == '.' && Poco::Ascii::isDigit(version[7]);
        if (httpLike) return {"unsupported_http_version", "HTTP/1.0 または HTTP/1.1 で送ってください。"};
        return {"malformed_request", kMalformedTitle};
    }
    if (!isToken(request.getMethod())) return {"malformed_request", kMalformedTitle};
    const std::string& uri = request.getURI();
    if (uri.empty() || std::any_of(uri.begin(), uri.end(), [](char c) { return c >= 0 && (c <= ' ' || c == 0x7f); }))
        return {"malformed_request", kMalformedTitle};
    int hosts = 0, lengths = 0, codings = 0;
    std::string length, coding;
    for (const auto& [name, value] : request) {
        if (!isToken(name) || value.find('\0') != std::string::npos) return {"malformed_request", kMalformedTitle};
        if (Poco::icompare(name, "Host") == 0) ++hosts;
        if (Poco::icompare(name, "Content-Length") == 0) ++lengths, length = value;
        if (Poco::icompare(name, "Transfer-Encoding") == 0) ++codings, coding = value;
    }
    if (hosts > 1 || (hosts == 0 && version == HTTPMessage::HTTP_1_1))
        return {"invalid_host", "Host ヘッダーはちょうど1つ指定してください。"};
    // Two lengths, or a length beside chunked, are how a request is smuggled
    // past a proxy that reads the other one: refuse rather than pick.
    if (lengths > 1 || (lengths == 1 && !isDigits(length, 18))) return {"invalid_content_length", kContentLengthTitle};
    if (codings > 0) {
        if (codings > 1 || Poco::icompare(coding, "chunked") != 0)
            return {"invalid_transfer_encoding", "Transfer-Encoding は chunked だけを指定してください。"};
        if (lengths > 0)
            return {"invalid_transfer_encoding", "Content-Length と Transfer-Encoding は同時に指定できません。"};
        if (version == HTTPMessage::HTTP_1_0)
            return {"invalid_transfer_encoding", "Transfer-Encoding は HTTP/1.1 で指定してください。"};
    }
    return {};
}

bool RequestFramer::started(const std::string& input) const {
    if (stage_ != Stage::Head) return true;
    return std::any_of(input.begin(), input.end(), [](char c) { return !isBlank(c); });
}

bool RequestFramer::takeContinue() {
    const bool send = continue_;
    continue_ = false;
    return send;
}

RequestFramer::Outcome RequestFramer::frame(std::string& input, bool inputEnded) {
    if (stage_ == Stage::Head) {
        Outcome head = frameHead(input, inputEnded);
        if (head != Outcome::Ready) return head;
        if (stage_ == Stage::Done) return Outcome::Ready;
    }
    if (stage_ == Stage::Length) {
        if (static_cast<long long>(input.size()) >= left_) {
            current_.body.assign(input, 0, static_cast<size_t>(left_));
            input.erase(0, static_cast<size_t>(left_));
            return finish(false, false);
        }
        if (inputEnded) {
            current_.body = std::move(input);
            input.clear();
            return finish(true, false);
        }
        return Outcome::NeedMore;
    }
    return frameChunked(input, inputEnded);
}

RequestFramer::Outcome RequestFramer::frameHead(std::string& input, bool inputEnded) {
    // Blank lines before a request line are skipped (RFC 9112 §2.2), as Poco does.
    size_t start = 0;
    while (start < input.size() && isBlank(input[start])) ++start;
    if (start > 0) input.erase(0, start);
    size_t end = std::string::npos;
    for (size_t at = input.find('\n'); at != std::string::npos; at = input.find('\n', at + 1)) {
        if (at + 1 < input.size() && input[at + 1] == '\n') {
            end = at + 2;
            break;
        }
        if (at + 2 < input.size() && input[at + 1] == '\r' && input[at + 2] == '\n') {
            end = at + 3;
            break;
        }
    }
    if (end == std::string::npos) {
        if (input.size() > limits_.maxHeadBytes)
            return refuse(431, {"headers_too_large", "リクエストヘッダーが大きすぎます。"});
        if (inputEnded && !input.empty()) return refuse(400, {"malformed_request", kMalformedTitle});
        return Outcome::NeedMore;
    }
    if (end > limits_.maxHeadBytes) return refuse(431, {"headers_too_large", "リクエストヘッダーが大きすぎます。"});
    const std::string headText = input.substr(0, end);
    HeadProblem lines = checkHeadText(headText);
    if (!lines.ok()) return refuse(400, lines);
    current_ = FramedRequest{};
    current_.request = std::make_unique<BufferedRequest>();
    std::istringstream head(headText);
    try {
        current_.request->read(head);
    } catch (const Poco::Exception&) {
        return refuse(400, {"malformed_request", kMalformedTitle});
    }
    // Poco must have read exactly the head we found, or the two disagree on
    // where the body starts.
    const std::streamoff consumed = head.tellg();
    if (consumed >= 0 && static_cast<size_t>(consumed) != end) return refuse(400, {"malformed_request", kMalformedTitle});
    input.erase(0, end);
    HeadProblem problem = checkRequestHead(*current_.request);
    if (!problem.ok()) return refuse(400, problem);
    const bool expectContinue = current_.request->getExpectContinue();
    if (current_.request->getChunkedTransferEncoding()) {
        stage_ = Stage::ChunkSize;
    } else if (current_.request->hasContentLength()) {
        try {
            left_ = current_.request->getContentLength64();
        } catch (const Poco::Exception&) {
            return refuse(400, {"invalid_content_length", kContentLengthTitle});
        }
        if (left_ > limits_.maxBodyBytes) return finish(false, true);
        stage_ = left_ == 0 ? Stage::Done : Stage::Length;
        if (stage_ == Stage::Done) return finish(false, false);
    } else {
        // No framing: an empty body (RFC 9112 §6.3).
        return finish(false, false);
    }
    continue_ = expectContinue && input.empty();
    return Outcome::Ready;  // the body follows
}

bool RequestFramer::takeLine(std::string& input, std::string& line) {
    const size_t lf = input.find('\n');
    if (lf == std::string::npos) {
        if (input.size() > kMaxChunkLineBytes) lineBroken_ = true;
        return false;
    }
    if (lf == 0 || input[lf - 1] != '\r' || lf - 1 > kMaxChunkLineBytes ||
        input.find('\r') != lf - 1) {  // a bare LF, or a CR inside the line
        lineBroken_ = true;
        return false;
    }
    line.assign(input, 0, lf - 1);
    input.erase(0, lf + 1);
    return true;
}

RequestFramer::Outcome RequestFramer::frameChunked(std::string& input, bool inputEnded) {
    std::string line;
    for (;;) {
        switch (stage_) {
        case Stage::ChunkSize:
            if (!takeLine(input, line)) break;
            left_ = chunkSize(line);
            if (left_ < 0) return finish(true, false);
            stage_ = left_ == 0 ? Stage::Trailer : Stage::ChunkData;
            continue;
        case Stage::ChunkData: {
            const size_t n = static_cast<size_t>(std::min<long long>(left_, static_cast<long long>(input.size())));
            if (n == 0) break;
            current_.body.append(input, 0, n);
            input.erase(0, n);
            left_ -= static_cast<long long>(n);
            if (static_cast<long long>(current_.body.size()) > limits_.maxBodyBytes) {
                current_.body.resize(static_cast<size_t>(limits_.maxBodyBytes + 1));
                return finish(false, true);
            }
            if (left_ == 0) stage_ = Stage::ChunkDataEnd;
            continue;
        }
        case Stage::ChunkDataEnd:
            if (input.size() < 2) break;
            if (input.compare(0, 2, "\r\n") != 0) return finish(true, false);
            input.erase(0, 2);
            stage_ = Stage::ChunkSize;
            continue;
        case Stage::Trailer:
            if (!takeLine(input, line)) break;
            if (line.empty()) return finish(false, false);
            if (++trailers_ > kMaxTrailerLines) return finish(true, false);
            continue;
        default: throw std::logic_error("RequestFramer: chunked framing in a wrong stage");
        }
        // Nothing more can be taken from input now.
        if (lineBroken_ || inputEnded) return finish(true, false);
        return Outcome::NeedMore;
    }
}

RequestFramer::Outcome RequestFramer::refuse(int status, HeadProblem problem) {
    refusedStatus_ = status;
    problem_ = std::move(problem);
    current_ = FramedRequest{};
    return Outcome::Refused;
}

RequestFramer::Outcome RequestFramer::finish(bool broken, bool tooLarge) {
    current_.bodyBroken = broken;
    current_.bodyTooLarge = tooLarge;
    stage_ = Stage::Done;
    continue_ = false;
    return Outcome::Ready;
}

FramedRequest RequestFramer::take() {
    if (stage_ != Stage::Done) throw std::logic_error("RequestFramer::take without a whole request");
    stage_ = Stage::Head;
    left_ = 0;
    trailers_ = 0;
    lineBroken_ = false;
    FramedRequest taken = std::move(current_);
    current_ = FramedRequest{};
    return taken;
}

}  // namespace http
