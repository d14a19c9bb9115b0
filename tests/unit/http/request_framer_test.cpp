// RequestFramer (issue 22): requests framed from bytes that arrive in any
// pieces, bodies by Content-Length and strict chunked decoding, and the
// framing problems the server refuses.
#include <catch2/catch.hpp>

#include <string>

#include "http/request_framer.h"

namespace {

using Outcome = http::RequestFramer::Outcome;

http::FramerLimits limits(long long maxBody = 1 << 20, size_t maxHead = 64 * 1024) {
    http::FramerLimits l;
    l.maxBodyBytes = maxBody;
    l.maxHeadBytes = maxHead;
    return l;
}

const std::string kPost = "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n";

}  // namespace

TEST_CASE("Issue 22: a request arriving one byte at a time is framed once whole, and the next one after it",
          "[http][framer]") {
    const std::string bytes = kPost + "Content-Length: 5\r\n\r\nhello" + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    http::RequestFramer framer(limits());
    std::string input;
    std::vector<http::FramedRequest> framed;
    for (char c : bytes) {
        input += c;
        while (framer.frame(input, false) == Outcome::Ready) framed.push_back(framer.take());
    }
    REQUIRE(framed.size() == 2);
    CHECK(framed[0].request->getMethod() == "POST");
    CHECK(framed[0].body == "hello");
    CHECK_FALSE(framed[0].bodyBroken);
    CHECK(framed[1].request->getURI() == "/healthz");
    CHECK(framed[1].body.empty());
    CHECK(input.empty());
    CHECK_FALSE(framer.started(input));
}

TEST_CASE("Issue 22: chunked bodies are decoded strictly, and a broken or cut one is handed on broken", "[http][framer]") {
    const std::string head = kPost + "Transfer-Encoding: chunked\r\n\r\n";
    struct Case {
        const char* what;
        std::string body;
        bool ended;  // the client closed after it
        bool broken;
        std::string decoded;
    };
    const Case cases[] = {
        {"two chunks with an extension and a trailer", "3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", false, false, "abcde"},
        {"the last chunk missing, then the end", "3\r\nabc\r\n", true, true, "abc"},
        {"a chunk size that is not hex", "3\r\nabc\r\nzz\r\n", false, true, "abc"},
        {"no CRLF after the chunk data", "3\r\nabcXX0\r\n\r\n", false, true, "abc"},
        {"a bare LF", "3\nabc\r\n0\r\n\r\n", false, true, ""},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        http::RequestFramer framer(limits());
        std::string input = head + c.body;
        REQUIRE(framer.frame(input, c.ended) == Outcome::Ready);
        http::FramedRequest r = framer.take();
        CHECK(r.bodyBroken == c.broken);
        CHECK(r.body == c.decoded);
    }
    SECTION("a chunked body still arriving is waited for") {
        http::RequestFramer framer(limits());
        std::string input = head + "3\r\nab";
        CHECK(framer.frame(input, false) == Outcome::NeedMore);
        CHECK(framer.started(input));
    }
}

TEST_CASE("Issue 22: bad framing is refused, an oversized head gets 431 and an oversized body is not kept",
          "[http][framer]") {
    {
        http::RequestFramer framer(limits());
        std::string input = kPost + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc";
        REQUIRE(framer.frame(input, false) == Outcome::Refused);
        CHECK(framer.refusedStatus() == 400);
        CHECK(framer.problem().code == "invalid_transfer_encoding");
    }
    {
        http::RequestFramer framer(limits(1 << 20, 1024));
        std::string input = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(2000, 'a');
        REQUIRE(framer.frame(input, false) == Outcome::Refused);
        CHECK(framer.refusedStatus() == 431);
    }
    {
        http::RequestFramer framer(limits());
        std::string input = "GET / HTTP/1.1\r\nHost: x\r\n";  // the client hung up inside the head
        REQUIRE(framer.frame(input, true) == Outcome::Refused);
        CHECK(framer.refusedStatus() == 400);
    }
    {
        http::RequestFramer framer(limits(10));
        std::string input = kPost + "Content-Length: 11\r\n\r\n";
        REQUIRE(framer.frame(input, false) == Outcome::Ready);
        CHECK(framer.take().bodyTooLarge);
    }
    {
        http::RequestFramer framer(limits(10));
        std::string input = kPost + "Transfer-Encoding: chunked\r\n\r\nc\r\n0123456789ab\r\n0\r\n\r\n";
        REQUIRE(framer.frame(input, false) == Outcome::Ready);
        http::FramedRequest r = framer.take();
        CHECK(r.bodyTooLarge);
        CHECK(r.body.size() == 11);  // one byte over, so the handler answers 413
    }
    {
        http::RequestFramer framer(limits());
        std::string input = kPost + "Content-Length: 10\r\n\r\nabc";
        REQUIRE(framer.frame(input, true) == Outcome::Ready);
        http::FramedRequest r = framer.take();
        CHECK(r.bodyBroken);
        CHECK(r.body == "abc");
    }
}

TEST_CASE("Issue 22: folded field lines, a CR inside a line, a loose request line and control characters are refused, a bare LF ends a line", "[http][framer]") {
    const std::string folded[] = {
        kPost + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        kPost + "Content-Length: 0\r\nX-Note: a\r\n\tb\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n folded\n\n",
    };
    for (const std::string& text : folded) {
        http::RequestFramer framer(limits());
        std::string input = text;
        INFO(text);
        REQUIRE(framer.frame(input, false) == Outcome::Refused);
        CHECK(framer.refusedStatus() == 400);
        CHECK(framer.problem().code == "obsolete_line_folding");
    }
    {
        http::RequestFramer framer(limits());
        std::string input = "GET / HTTP/1.1\r\nHost: x\rX-Smuggled: 1\r\n\r\n";
        REQUIRE(framer.frame(input, false) == Outcome::Refused);
        CHECK(framer.problem().code == "malformed_request");
    }
    for (std::string text : {std::string("GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                             std::string("GET /healthz  HTTP/1.1\r\nHost: x\r\n\r\n"),
                             std::string("GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                             std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x7f b\r\n\r\n"),
                             std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x1b[2Jb\r\n\r\n")}) {
        http::RequestFramer framer(limits());
        INFO(text);
        REQUIRE(framer.frame(text, false) == Outcome::Refused);
        CHECK(framer.refusedStatus() == 400);
        CHECK(framer.problem().code == "malformed_request");
    }
    {
        http::RequestFramer framer(limits());
        std::string input = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: tab\there, 名前\r\n\r\n";  // a tab and obs-text are fine
        REQUIRE(framer.frame(input, false) == Outcome::Ready);
    }
    {
        http::RequestFramer framer(limits());
        std::string input = "GET /healthz HTTP/1.1\nHost: x\n\n";
        REQUIRE(framer.frame(input, false) == Outcome::Ready);
        CHECK(framer.take().request->getURI() == "/healthz");
    }
}

TEST_CASE("Issue 22: Expect: 100-continue is asked for once, only while the body has not arrived", "[http][framer]") {
    http::RequestFramer framer(limits());
    std::string input = kPost + "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    REQUIRE(framer.frame(input, false) == Outcome::NeedMore);
    CHECK(framer.takeContinue());
    CHECK_FALSE(framer.takeContinue());
    input += "abc";
    REQUIRE(framer.frame(input, false) == Outcome::Ready);
    CHECK(framer.take().body == "abc");
}
