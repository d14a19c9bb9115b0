// Access control and privacy (issue 6): tokens per office, roles, the audit
// trail, traversal and oversized input, slow clients, TLS, and a scan of the
// log and the data folder for submitted values.
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>

#include <sys/stat.h>

#include <csignal>
#include <functional>
#include <thread>

#include "auth/token_registry.h"
#include "e2e_support.h"

using namespace e2e;

namespace {

struct Tokens {
    std::string officeA, officeB, admin, revoked;
    std::string file;
};

Tokens writeTokens(const testing_support::TempDir& dir) {
    Tokens t;
    auto a = auth::newToken("harenire-desk", "harunire-no-oka", auth::Role::Submitter);
    auto b = auth::newToken("kamui-desk", "nanakamado", auth::Role::Submitter);
    auto admin = auth::newToken("it-admin", "harunire-no-oka", auth::Role::Admin);
    auto old = auth::newToken("old-laptop", "harunire-no-oka", auth::Role::Submitter);
    std::string revokedLine = old.line.substr(0, old.line.rfind(',')) + ",revoked";
    t = {a.token, b.token, admin.token, old.token, dir.file("tokens.csv")};
    testing_support::writeFile(t.file, "name,office,role,sha256,status\n" + a.line + "\n" + b.line + "\n" + admin.line +
                                           "\n" + revokedLine + "\n");
    return t;
}

std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

}  // namespace

TEST_CASE("Every API route needs a valid, unrevoked token, the health check does not", "[e2e][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) {
        s.tokensFile = t.file;
        s.authMaxFailures = 100;  // 21 failures here; the limit has its own test (protocol_e2e_test.cpp)
    });
    CHECK(request(server.port(), "GET", "/healthz").status == 200);
    for (const char* path : {"/api/v1/sheets", "/api/v1/jobs", "/api/v1/partners", "/api/v1/sheets/admission-info"}) {
        INFO(path);
        Response none = request(server.port(), "GET", path);
        CHECK(none.status == 401);
        CHECK(none.headers["WWW-Authenticate"].find("Bearer") == 0);
        CHECK(request(server.port(), "GET", path, "", {{"Authorization", "Bearer"}}).status == 401);
        CHECK(request(server.port(), "GET", path, "", {{"Authorization", "Basic dXNlcjpwdw=="}}).status == 401);
        CHECK(request(server.port(), "GET", path, "", bearer("rk_not-a-real-token-at-all")).status == 401);
        CHECK(request(server.port(), "GET", path, "", bearer(t.revoked)).status == 401);
        CHECK(request(server.port(), "GET", path, "", bearer(t.officeA)).status == 200);
    }
    CHECK(request(server.port(), "POST", "/api/v1/jobs", printJob("admission-info")).status == 401);
}

TEST_CASE("An office never sees another office's jobs or documents", "[e2e][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    Response created = request(server.port(), "POST", "/api/v1/jobs", printJob("admission-info"), bearer(t.officeA));
    REQUIRE(created.status == 201);
    const std::string id = created.json()->getValue<std::string>("id");
    CHECK(created.json()->getValue<std::string>("office") == "harunire-no-oka");
    for (const char* suffix : {"", "/document?format=pdf", "/document?format=xlsx", "/events"}) {
        INFO(suffix);
        CHECK(request(server.port(), "GET", "/api/v1/jobs/" + id + suffix, "", bearer(t.officeB)).status == 404);
        CHECK(request(server.port(), "GET", "/api/v1/jobs/" + id + suffix, "", bearer(t.officeA)).status == 200);
        CHECK(request(server.port(), "GET", "/api/v1/jobs/" + id + suffix, "", bearer(t.admin)).status == 200);
    }
    CHECK(request(server.port(), "DELETE", "/api/v1/jobs/" + id, "", bearer(t.officeB)).status == 404);
    CHECK(request(server.port(), "POST", "/api/v1/jobs/" + id + "/retry", "", bearer(t.officeB)).status == 404);
    auto listB = request(server.port(), "GET", "/api/v1/jobs", "", bearer(t.officeB)).json();
    CHECK(listB->getArray("jobs")->size() == 0);
    auto listA = request(server.port(), "GET", "/api/v1/jobs", "", bearer(t.officeA)).json();
    CHECK(listA->getArray("jobs")->size() == 1);
}

TEST_CASE("Only an admin reads the audit trail, which records every access", "[e2e][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    const std::string id = request(server.port(), "POST", "/api/v1/jobs", printJob("admission-info"), bearer(t.officeA))
                               .json()->getValue<std::string>("id");
    request(server.port(), "GET", "/api/v1/jobs/" + id, "", bearer(t.officeB));
    CHECK(request(server.port(), "GET", "/api/v1/audit", "", bearer(t.officeA)).status == 403);
    Response audit = request(server.port(), "GET", "/api/v1/audit?job=" + id, "", bearer(t.admin));
    REQUIRE(audit.status == 200);
    auto entries = audit.json()->getArray("entries");
    REQUIRE(entries->size() == 2);
    auto denied = entries->getObject(0);  // newest first
    CHECK(denied->getValue<std::string>("office") == "nanakamado");
    CHECK(denied->getValue<std::string>("route") == "/api/v1/jobs/{id}");
    CHECK(denied->getValue<int>("status") == 404);
    CHECK(denied->getValue<std::string>("client") == "127.0.0.1");
    auto post = entries->getObject(1);
    CHECK(post->getValue<std::string>("office") == "harunire-no-oka");
    CHECK(post->getValue<std::string>("role") == "submitter");
    CHECK(post->getValue<std::string>("method") == "POST");
    Response byOffice = request(server.port(), "GET", "/api/v1/audit?office=nanakamado", "", bearer(t.admin));
    CHECK(byOffice.json()->getArray("entries")->size() == 1);
}

TEST_CASE("Traversal strings in any path part never reach the file system", "[e2e][security]") {
    TestServer server;
    const std::vector<std::string> evil = {"..", "..%2f..%2fetc%2fpasswd", "%2e%2e", "%2e%2e%2f", "....//", "..\\..",
                                           "%00", "0123456789abcdef0123456789abcde%2f", "a%2fb", "%c0%ae%c0%ae"};
    for (const auto& e : evil) {
        INFO(e);
        for (const std::string& path : {"/api/v1/jobs/" + e, "/api/v1/jobs/" + e + "/document?format=pdf",
                                       "/api/v1/jobs/" + e + "/events", "/api/v1/sheets/" + e,
                                       "/api/v1/sheets/" + e + "/render"}) {
            Response r = request(server.port(), path.find("render") != std::string::npos ? "POST" : "GET", path,
                                 path.find("render") != std::string::npos ? "{\"fields\":{}}" : "");
            CHECK(r.status >= 400);
            CHECK(r.status < 500);
        }
    }
    CHECK(server.get("/healthz").status == 200);
}

TEST_CASE("Too many or too large headers are refused", "[e2e][security]") {
    TestServer server;
    std::map<std::string, std::string> many;
    for (int i = 0; i < 80; ++i) many["X-Filler-" + std::to_string(i)] = "x";
    Response r = request(server.port(), "GET", "/api/v1/sheets", "", many);
    CHECK((r.status == 431 || r.status == 400));
    Response big = request(server.port(), "GET", "/api/v1/sheets", "", {{"X-Big", std::string(7000, 'y')}, {"X-Big2", std::string(7000, 'z')}, {"X-Big3", std::string(7000, 'w')}});
    CHECK((big.status == 431 || big.status == 400));
    CHECK(server.get("/healthz").status == 200);
}

TEST_CASE("A client that sends half a request is dropped", "[e2e][security]") {
    TestServer server([](config::Settings& s) { s.timeoutMs = 800; });
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server.port())));
    const std::string half = "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"sheet\":";
    socket.sendBytes(half.data(), static_cast<int>(half.size()));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    char buf[4096];
    Poco::Timestamp started;
    int n = 0;
    try {
        n = socket.receiveBytes(buf, sizeof buf);
        while (n > 0) n = socket.receiveBytes(buf, sizeof buf);  // a 400 answer, then the close
    } catch (const Poco::Exception&) {
        n = -1;  // reset: dropped as well
    }
    CHECK(n <= 0);
    CHECK(started.elapsed() < 4 * 1000000);
}

TEST_CASE("The server refuses plain HTTP on a non-loopback address, and serves HTTPS with a certificate", "[e2e][security][tls]") {
    testing_support::TempDir dir;
    {
        config::Settings s = sourceTreeSettings(dir.file("data"));
        s.host = "0.0.0.0";
        auto started = startServer(s);
        REQUIRE_FALSE(started);
        CHECK(started.status().message().find("TLS") != std::string::npos);
    }
    writeSelfSignedCertificate(dir);
    TestServer server([&](config::Settings& s) {
        s.tlsCertificateFile = dir.file("cert.pem");
        s.tlsPrivateKeyFile = dir.file("key.pem");
    });
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                             Poco::Net::Context::VERIFY_NONE);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()), context);
    Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
    CHECK(res.getStatus() == 200);
    CHECK(body.find("ok") != std::string::npos);
    bool plainFailed = false;
    try {
        plainFailed = request(server.port(), "GET", "/healthz").status != 200;
    } catch (const Poco::Exception&) {
        plainFailed = true;
    }
    CHECK(plainFailed);
}

TEST_CASE("No submitted value appears in the log or anywhere on disk outside the job store", "[e2e][security][privacy]") {
    testing_support::TempDir dir;
    const int port = freePort();
    Poco::Pipe out;
    Poco::ProcessHandle process = launchBinary(port, dir.file("data"), out);
    std::string log;
    std::thread drain([&] {
        Poco::PipeInputStream in(out);
        Poco::StreamCopier::copyToString(in, log);
    });
    REQUIRE(waitUntilHealthy(port));
    auto fields = Poco::JSON::Parser().parse(sample("admission-info")).extract<Poco::JSON::Object::Ptr>()->getObject("fields");
    fields->set("pt_name", "検査用 ゼータ");
    fields->set("pt_kana", "ケンサヨウ ゼータ");
    fields->set("pt_address", "北海道旭川市架空町9丁目9番9号");
    fields->set("life_history", "秘密の生活歴ZQXJ-7731");
    std::ostringstream json;
    fields->stringify(json);
    const std::vector<std::string> secrets = {"検査用", "ケンサヨウ", "架空町", "ZQXJ-7731", "1942"};
    REQUIRE(request(port, "POST", "/api/v1/jobs", printJob("admission-info", json.str())).status == 201);
    // A bad request too: its values must not be echoed into the log either.
    fields->set("doc_date", "ZQXJ-7731-bad");
    std::ostringstream bad;
    fields->stringify(bad);
    CHECK(request(port, "POST", "/api/v1/jobs", printJob("admission-info", bad.str())).status == 422);
    CHECK(request(port, "GET", "/api/v1/jobs?patient_ref=%E6%A4%9C%E6%9F%BB%E7%94%A8").status == 200);
    ::kill(process.id(), SIGTERM);
    process.wait();
    drain.join();
    for (const auto& s : secrets) {
        INFO(s);
        CHECK(log.find(s) == std::string::npos);
    }
    // Every file under the data folder except the job store itself.
    std::function<void(const std::string&)> scan = [&](const std::string& path) {
        Poco::File f(path);
        if (f.isDirectory()) {
            struct stat st {};
            ::stat(path.c_str(), &st);
            CHECK((st.st_mode & 0077) == 0);
            std::vector<std::string> names;
            f.list(names);
            for (const auto& n : names) scan(path + "/" + n);
            return;
        }
        struct stat st {};
        ::stat(path.c_str(), &st);
        CHECK((st.st_mode & 0077) == 0);
        if (path.find("renkei.db") != std::string::npos) return;
        std::string bytes = testing_support::readFile(path);
        for (const auto& s : secrets) {
            INFO(path << " " << s);
            CHECK(bytes.find(s) == std::string::npos);
        }
    };
    scan(dir.file("data"));
}
