// The HTTP boundary (issue 21): requests whose framing cannot be trusted are
// refused with a 400 and a closed connection, a chunked body cut short never
// becomes a job, every answer carries its reason phrase, failed
// authentications are limited per address and audited in bounded form, and
// TLS 1.2 offers only forward-secret AEAD suites. These tests speak raw TCP,
// so they see exactly what the server sends.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/NumberFormatter.h>
#include <Poco/String.h>

#include <map>
#include <string>
#include <vector>

#include "auth/token_registry.h"
#include "common/clock.h"
#include "e2e_support.h"
#include "jobs/job_store.h"

using namespace e2e;

namespace {

struct RawResponse {
    std::string statusLine;  // "" when the server closed without answering
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    Poco::JSON::Object::Ptr json() const {
        return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    }
    std::string code() const {
        try {
            return json()->optValue<std::string>("code", "");
        } catch (const std::exception&) {
            return "(no problem document)";
        }
    }
};

// One TCP connection to the server, written and read byte for byte.
class RawClient {
public:
    explicit RawClient(int port)
        : socket_(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port))) {
        socket_.setReceiveTimeout(Poco::Timespan(5, 0));
    }

    void send(const std::string& bytes) {
        size_t sent = 0;
        while (sent < bytes.size())
            sent += static_cast<size_t>(
                socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent)));
    }
    // Tells the server nothing more will come (a client that hung up mid-body).
    void finishSending() { socket_.shutdownSend(); }

    // Reads one response: the head, then Content-Length bytes of body.
    RawResponse read() {
        RawResponse r;
        size_t headEnd;
        while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        std::string head = buffer_.substr(0, headEnd);
        buffer_.erase(0, headEnd + 4);
        size_t lineEnd = head.find("\r\n");
        r.statusLine = head.substr(0, lineEnd);
        if (r.statusLine.size() >= 12) r.status = std::atoi(r.statusLine.substr(9, 3).c_str());
        while (lineEnd != std::string::npos) {
            size_t next = head.find("\r\n", lineEnd + 2);
            std::string line = head.substr(lineEnd + 2, next == std::string::npos ? std::string::npos : next - lineEnd - 2);
            size_t colon = line.find(':');
            if (colon != std::string::npos)
                r.headers[Poco::toLower(line.substr(0, colon))] = Poco::trim(line.substr(colon + 1));
            lineEnd = next;
        }
        size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        while (buffer_.size() < length)
            if (!fill()) break;
        r.body = buffer_.substr(0, length);
        buffer_.erase(0, std::min(length, buffer_.size()));
        return r;
    }

    // True when the server closes the connection (within the receive timeout).
    bool closedByServer() {
        if (!buffer_.empty()) return false;
        return !fill();
    }

private:
    bool fill() {
        char chunk[4096];
        int n = 0;
        try {
            n = socket_.receiveBytes(chunk, sizeof chunk);
        } catch (const Poco::TimeoutException&) {
            return false;
        } catch (const Poco::Exception&) {
            return false;  // reset
        }
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }

    Poco::Net::StreamSocket socket_;
    std::string buffer_;
};

// One request on its own connection ("Connection: close"), answered in full.
RawResponse exchange(int port, const std::string& method, const std::string& path, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) {
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST") {
        if (!headers.count("Content-Type")) request += "Content-Type: application/json\r\n";
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    RawClient client(port);
    client.send(request);
    return client.read();
}

std::string chunked(const std::string& body) {
    return Poco::NumberFormatter::formatHex(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n";
}

size_t jobCount(int port, const std::map<std::string, std::string>& headers = {}) {
    Response list = request(port, "GET", "/api/v1/jobs?limit=500", "", headers);
    REQUIRE(list.status == 200);
    return list.json()->getArray("jobs")->size();
}

struct Tokens {
    std::string submitter, admin, file;
};

Tokens writeTokens(const testing_support::TempDir& dir) {
    auto submitter = auth::newToken("harenire-desk", "harunire-no-oka", auth::Role::Submitter);
    auto admin = auth::newToken("it-admin", "harunire-no-oka", auth::Role::Admin);
    Tokens t{submitter.token, admin.token, dir.file("tokens.csv")};
    testing_support::writeFile(t.file, "name,office,role,sha256,status\n" + submitter.line + "\n" + admin.line + "\n");
    return t;
}

std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

}  // namespace

TEST_CASE("Issue 21: a malformed request line, bad framing or an unknown version gets 400 and the connection closes",
          "[e2e][protocol]") {
    TestServer server([](config::Settings& s) { s.timeoutMs = 2000; });
    const std::string job = printJob("admission-info");
    const std::string n = std::to_string(job.size());
    const std::string post = "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    struct Case {
        const char* what;
        std::string bytes;
        const char* code;
    };
    const std::vector<Case> cases = {
        {"a space in the URI", "GET /api/v1/sheets and more HTTP/1.1\r\nHost: x\r\n\r\n", "malformed_request"},
        {"no version", "GET /healthz\r\nHost: x\r\n\r\n", "malformed_request"},
        {"a lower-case version", "GET /healthz http/1.1\r\nHost: x\r\n\r\n", "malformed_request"},
        {"HTTP/2.0 on an HTTP/1 connection", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", "unsupported_http_version"},
        {"HTTP/1.2", "GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", "unsupported_http_version"},
        {"a method too long", std::string(40, 'G') + " /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "malformed_request"},
        {"a method that is not a token", "GE(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "malformed_request"},
        {"no Host on HTTP/1.1", "GET /healthz HTTP/1.1\r\n\r\n", "invalid_host"},
        {"two Host headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "invalid_host"},
        {"a space before the colon", post + "Content-Length : " + n + "\r\n\r\n" + job, "malformed_request"},
        {"a non-numeric Content-Length", post + "Content-Length: abc\r\n\r\n" + job, "invalid_content_length"},
        {"a negative Content-Length", post + "Content-Length: -" + n + "\r\n\r\n" + job, "invalid_content_length"},
        {"a signed Content-Length", post + "Content-Length: +" + n + "\r\n\r\n" + job, "invalid_content_length"},
        {"a Content-Length list", post + "Content-Length: " + n + ", " + n + "\r\n\r\n" + job, "invalid_content_length"},
        {"two different Content-Lengths",
         post + "Content-Length: " + n + "\r\nContent-Length: " + std::to_string(job.size() + 1) + "\r\n\r\n" + job + " ",
         "invalid_content_length"},
        {"Content-Length with chunked",
         post + "Content-Length: " + n + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(job), "invalid_transfer_encoding"},
        {"chunked with Content-Length first",
         post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunked(job), "invalid_transfer_encoding"},
        {"an unknown transfer coding", post + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked(job),
         "invalid_transfer_encoding"},
        {"chunked on HTTP/1.0",
         "POST /api/v1/jobs HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
             chunked(job),
         "invalid_transfer_encoding"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        RawClient client(server.port());
        client.send(c.bytes);
        RawResponse r = client.read();
        CHECK(r.statusLine == "HTTP/1.1 400 Bad Request");
        CHECK(r.headers["content-type"].find("application/problem+json") == 0);
        CHECK(r.code() == c.code);
        CHECK(Poco::toLower(r.headers["connection"]) == "close");
        CHECK(client.closedByServer());
    }
    CHECK(server.get("/healthz").status == 200);
    CHECK(jobCount(server.port()) == 0);
}

TEST_CASE("Issue 21: a chunked body that ends without its last chunk never becomes a job", "[e2e][protocol]") {
    TestServer server([](config::Settings& s) { s.timeoutMs = 2000; });
    const std::string job = printJob("admission-info");
    const std::string head =
        "POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string hex = Poco::NumberFormatter::formatHex(job.size());
    {
        INFO("a whole chunked body in two chunks is accepted");
        RawClient client(server.port());
        const std::string a = job.substr(0, 100), b = job.substr(100);
        client.send(head + Poco::NumberFormatter::formatHex(a.size()) + "\r\n" + a + "\r\n" +
                    Poco::NumberFormatter::formatHex(b.size()) + ";ext=1\r\n" + b + "\r\n0\r\n\r\n");
        CHECK(client.read().status == 201);
    }
    struct Case {
        const char* what;
        std::string body;
    };
    const std::vector<Case> cases = {
        {"the last chunk missing", hex + "\r\n" + job + "\r\n"},
        {"cut inside a chunk", Poco::NumberFormatter::formatHex(job.size() + 500) + "\r\n" + job},
        {"cut inside the last chunk line", hex + "\r\n" + job + "\r\n0"},
        {"a chunk size that is not hex", hex + "\r\n" + job + "\r\nzz\r\n"},
        {"no CRLF after the chunk data", hex + "\r\n" + job + "XX0\r\n\r\n"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        RawClient client(server.port());
        client.send(head + c.body);
        client.finishSending();
        RawResponse r = client.read();
        CHECK(r.statusLine == "HTTP/1.1 400 Bad Request");
        CHECK(r.code() == "incomplete_body");
    }
    CHECK(server.get("/healthz").status == 200);
    CHECK(jobCount(server.port()) == 1);
}

TEST_CASE("Issue 21: a request body the handler leaves unread does not spoil the next request on the connection",
          "[e2e][protocol]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    const std::string job = printJob("admission-info");
    RawClient client(server.port());
    client.send("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rk_wrong-token-0123456789\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                std::to_string(job.size()) + "\r\n\r\n" + job);
    CHECK(client.read().status == 401);
    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(client.read().statusLine == "HTTP/1.1 200 OK");
}

TEST_CASE("Issue 21: every status the server answers carries its reason phrase", "[e2e][protocol]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    std::map<int, RawResponse> seen;
    {
        TestServer open([](config::Settings& s) { s.maxBodyBytes = 65536; });
        const int port = open.port();
        std::string job = printJob("admission-info");
        std::string once = job;
        once.replace(once.find("\"allow_duplicate\":true"), 22, "\"allow_duplicate\":false");
        seen[200] = exchange(port, "GET", "/healthz");
        seen[201] = exchange(port, "POST", "/api/v1/jobs", once);
        seen[409] = exchange(port, "POST", "/api/v1/jobs", once);
        seen[400] = exchange(port, "POST", "/api/v1/jobs", "{\"sheet\":");
        seen[404] = exchange(port, "GET", "/no/such/path");
        seen[405] = exchange(port, "DELETE", "/api/v1/sheets");
        seen[413] = exchange(port, "POST", "/api/v1/jobs", std::string(70000, ' ') + job);
        seen[415] = exchange(port, "POST", "/api/v1/jobs", job, {{"Content-Type", "text/plain"}});
        seen[422] = exchange(port, "POST", "/api/v1/jobs", printJob("admission-info", "{\"doc_date\":\"x\"}"));
        std::map<std::string, std::string> many;
        for (int i = 0; i < 80; ++i) many["X-Filler-" + std::to_string(i)] = "x";
        seen[431] = exchange(port, "GET", "/api/v1/sheets", "", many);
    }
    {
        TestServer guarded([&](config::Settings& s) { s.tokensFile = t.file; });
        const int port = guarded.port();
        seen[403] = exchange(port, "GET", "/api/v1/audit", "", bearer(t.submitter));
        for (int i = 0; i < 40 && !seen.count(429); ++i) {
            RawResponse r = exchange(port, "GET", "/api/v1/sheets", "", bearer("rk_wrong-token-0123456789"));
            seen[r.status] = r;
        }
    }
    const std::map<int, std::string> phrases = {
        {200, "OK"},
        {201, "Created"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {409, "Conflict"},
        {413, "Request Entity Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
    };
    for (const auto& [status, phrase] : phrases) {
        INFO(status);
        CHECK(seen[status].statusLine == "HTTP/1.1 " + std::to_string(status) + " " + phrase);
    }
}

TEST_CASE("Issue 21: failed authentications past the limit get 429 with Retry-After, a valid token still works",
          "[e2e][protocol][auth]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) {
        s.tokensFile = t.file;
        s.authMaxFailures = 5;
        s.authFailureWindowSeconds = 3600;  // so the test does not straddle a window's end
    });
    const auto wrong = bearer("rk_wrong-token-0123456789");
    for (int i = 0; i < 5; ++i) {
        INFO(i);
        REQUIRE(exchange(server.port(), "GET", "/api/v1/jobs", "", i % 2 ? wrong : std::map<std::string, std::string>{})
                    .status == 401);
    }
    RawResponse limited = exchange(server.port(), "GET", "/api/v1/jobs", "", wrong);
    CHECK(limited.statusLine == "HTTP/1.1 429 Too Many Requests");
    CHECK(limited.code() == "too_many_requests");
    REQUIRE(limited.headers.count("retry-after"));
    const int retryAfter = std::atoi(limited.headers["retry-after"].c_str());
    CHECK(retryAfter >= 1);
    CHECK(retryAfter <= 3600);
    CHECK(exchange(server.port(), "GET", "/api/v1/jobs", "", wrong).status == 429);
    CHECK(exchange(server.port(), "GET", "/api/v1/jobs", "", bearer(t.submitter)).status == 200);
    CHECK(exchange(server.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("Issue 21: failed authentications add a bounded number of audit rows", "[e2e][protocol][auth]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    const std::string dataDir = dir.file("data");
    constexpr int kFailures = 150;
    {
        TestServer server([&](config::Settings& s) {
            s.tokensFile = t.file;
            s.dataDir = dataDir;
        });
        for (int i = 0; i < kFailures; ++i)
            exchange(server.port(), "POST", "/api/v1/jobs", "{}", bearer("rk_wrong-token-" + std::to_string(i) + "-abcdef"));
        REQUIRE(exchange(server.port(), "GET", "/api/v1/sheets", "", bearer(t.submitter)).status == 200);
    }  // stopped: every counted window is written
    common::SystemClock clock;
    auto store = jobs::JobStore::open(dataDir + "/renkei.db", clock);
    REQUIRE(store);
    jobs::AuditFilter all;
    all.limit = jobs::kMaxListLimit;
    auto rows = store.value()->audit(all);
    REQUIRE(rows);
    size_t refused = 0, served = 0;
    int counted = 0;
    for (const auto& row : rows.value()) {
        if (row.status == 401 || row.status == 429) {
            ++refused;
            counted += row.count;
            CHECK(row.client == "127.0.0.1");
            CHECK(row.office.empty());
        }
        if (row.status == 200) ++served;
    }
    CHECK(served == 1);
    // One row per answer and window (401, then 429 past the limit); the run
    // may straddle the end of a window.
    CHECK(refused >= 1);
    CHECK(refused <= 4);
    CHECK(counted == kFailures);
}

namespace {

// Whether a TLS 1.2 handshake offering only `ciphers` succeeds.
bool tls12HandshakeSucceeds(int port, const std::string& ciphers) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.cipherList = ciphers;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_TLSV1_3);  // the cipher list governs TLS 1.2 only
    try {
        Poco::Net::SecureStreamSocket socket(
            Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), context);
        socket.completeHandshake();
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

}  // namespace

TEST_CASE("Issue 21: TLS 1.2 offers only forward-secret AEAD suites", "[e2e][protocol][tls]") {
    testing_support::TempDir dir;
    writeSelfSignedCertificate(dir);
    TestServer server([&](config::Settings& s) {
        s.tlsCertificateFile = dir.file("cert.pem");
        s.tlsPrivateKeyFile = dir.file("key.pem");
    });
    Poco::Net::initializeSSL();
    CHECK(tls12HandshakeSucceeds(server.port(), "ECDHE-RSA-AES128-GCM-SHA256"));
    CHECK(tls12HandshakeSucceeds(server.port(), "ECDHE-RSA-AES256-GCM-SHA384"));
    CHECK(tls12HandshakeSucceeds(server.port(), "ECDHE-RSA-CHACHA20-POLY1305"));
    CHECK_FALSE(tls12HandshakeSucceeds(server.port(), "AES128-SHA256"));           // no forward secrecy
    CHECK_FALSE(tls12HandshakeSucceeds(server.port(), "AES128-GCM-SHA256"));       // no forward secrecy
    CHECK_FALSE(tls12HandshakeSucceeds(server.port(), "ECDHE-RSA-AES128-SHA256"));  // CBC, not AEAD
    CHECK_FALSE(tls12HandshakeSucceeds(server.port(), "ECDHE-RSA-AES256-SHA"));     // CBC, not AEAD
}
