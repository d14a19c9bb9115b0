// The browser interface's server side (issue 16): the static files and their
// security headers, sign-in to a session cookie, CSRF and cross-site refusal,
// drafts kept per office, and the masked fax preview. The interface itself is
// tested in a real browser by tests/browser/web_ui_test.py.
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <unistd.h>

#include <sstream>

#include "auth/token_registry.h"
#include "e2e_support.h"

using namespace e2e;

namespace {

struct Tokens {
    std::string officeA, officeB;
    std::string file;
};

Tokens writeTokens(const testing_support::TempDir& dir) {
    auto a = auth::newToken("harenire-desk", "harunire-no-oka", auth::Role::Submitter);
    auto b = auth::newToken("kamui-desk", "nanakamado", auth::Role::Submitter);
    Tokens t{a.token, b.token, dir.file("tokens.csv")};
    testing_support::writeFile(t.file, "name,office,role,sha256,status\n" + a.line + "\n" + b.line + "\n");
    return t;
}

// A signed-in browser: its cookie and CSRF token.
struct Browser {
    int port = 0;
    std::string cookie;  // "renkei_session=..."
    std::string csrf;

    Response send(const std::string& method, const std::string& path, const std::string& body = "",
                  std::map<std::string, std::string> headers = {}, bool withCsrf = true) const {
        headers["Cookie"] = cookie;
        if (withCsrf && !csrf.empty()) headers["X-CSRF-Token"] = csrf;
        return request(port, method, path, body, headers);
    }
};

Response signIn(int port, const std::string& token) {
    return request(port, "POST", "/api/v1/session", "{\"token\":\"" + token + "\"}");
}

Browser browserFor(int port, const std::string& token) {
    Response r = signIn(port, token);
    REQUIRE(r.status == 200);
    const std::string setCookie = r.headers["Set-Cookie"];
    Browser b;
    b.port = port;
    b.cookie = setCookie.substr(0, setCookie.find(';'));
    b.csrf = r.json()->getValue<std::string>("csrfToken");
    return b;
}

std::string sampleFieldsJson(const std::string& sheet) {
    std::ostringstream out;
    Poco::JSON::Parser().parse(sample(sheet)).extract<Poco::JSON::Object::Ptr>()->getObject("fields")->stringify(out);
    return out.str();
}

}  // namespace

TEST_CASE("The interface is served at / with its Content-Security-Policy and the right types", "[e2e][web]") {
    TestServer server;
    Response index = server.get("/");
    REQUIRE(index.status == 200);
    CHECK(index.contentType == "text/html; charset=utf-8");
    CHECK(index.body.find("<script type=\"module\" src=\"/js/app.js\"></script>") != std::string::npos);
    const std::string csp = index.headers["Content-Security-Policy"];
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(index.headers["X-Frame-Options"] == "DENY");
    CHECK(index.headers["X-Content-Type-Options"] == "nosniff");
    CHECK(index.headers["Referrer-Policy"] == "no-referrer");
    // No inline script anywhere in the page.
    CHECK(index.body.find("<script>") == std::string::npos);
    CHECK(index.body.find("onclick") == std::string::npos);

    Response js = server.get("/js/app.js");
    CHECK(js.status == 200);
    CHECK(js.contentType == "text/javascript; charset=utf-8");
    CHECK(js.headers["Content-Security-Policy"] == csp);
    Response css = server.get("/css/app.css");
    CHECK(css.status == 200);
    CHECK(css.contentType == "text/css; charset=utf-8");
    CHECK(request(server.port(), "HEAD", "/").status == 200);
    CHECK(server.post("/", "{}").status == 405);
    CHECK(server.get("/no-such-page.html").status == 404);
}

TEST_CASE("No path outside the web folder, hidden file or unlisted type is served", "[e2e][web][security]") {
    testing_support::TempDir dir;
    const std::string web = dir.file("web");
    Poco::File(web + "/js").createDirectories();
    testing_support::writeFile(web + "/index.html", "<!doctype html><title>ok</title>");
    testing_support::writeFile(web + "/js/app.js", "export {};");
    testing_support::writeFile(web + "/.secret.html", "hidden");
    testing_support::writeFile(web + "/notes.txt", "not a web file");
    testing_support::writeFile(dir.file("outside.html"), "outside the web folder");
    REQUIRE(::symlink(dir.file("outside.html").c_str(), (web + "/link.html").c_str()) == 0);
    REQUIRE(::symlink("/etc", (web + "/etc").c_str()) == 0);
    TestServer server([&](config::Settings& s) { s.webDir = web; });
    CHECK(server.get("/").status == 200);
    CHECK(server.get("/js/app.js").status == 200);
    for (const std::string path :
         {"/../outside.html", "/%2e%2e/outside.html", "/js/../../outside.html", "/js/%2e%2e/%2e%2e/outside.html",
          "/..%2foutside.html", "/.secret.html", "/%2esecret.html", "/notes.txt", "/link.html", "/etc/passwd",
          "/etc/hostname.html", "/js/app.js%00.html", "/js//app.js", "/js/app.js/", "/js\\app.js", "/./index.html",
          "/index.html?x=../../outside.html#", "/%c0%ae%c0%ae/outside.html", "/api/../index.html"}) {
        INFO(path);
        Response r = server.get(path);
        if (path.rfind("/index.html?", 0) == 0) {
            CHECK(r.status == 200);  // the query is not part of the path
            CHECK(r.body.find("ok") != std::string::npos);
            continue;
        }
        CHECK(r.status >= 400);
        CHECK(r.status < 500);
        CHECK(r.body.find("outside the web folder") == std::string::npos);
        CHECK(r.body.find("hidden") == std::string::npos);
        CHECK(r.body.find("root:") == std::string::npos);
    }
}

TEST_CASE("Signing in exchanges the token for an HttpOnly, SameSite=Strict session cookie", "[e2e][web][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    CHECK(request(server.port(), "GET", "/api/v1/session").status == 401);
    Response wrong = signIn(server.port(), "rk_not-a-real-token-at-all");
    CHECK(wrong.status == 401);
    CHECK(wrong.headers.count("Set-Cookie") == 0);
    CHECK(request(server.port(), "POST", "/api/v1/session", "{oops").status == 400);

    Response r = signIn(server.port(), t.officeA);
    REQUIRE(r.status == 200);
    const std::string cookie = r.headers["Set-Cookie"];
    CHECK(cookie.rfind("renkei_session=", 0) == 0);
    CHECK(cookie.find("; HttpOnly") != std::string::npos);
    CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
    CHECK(cookie.find("; Path=/") != std::string::npos);
    CHECK(cookie.find("Secure") == std::string::npos);  // plain HTTP on loopback
    CHECK(cookie.find("Max-Age") == std::string::npos);  // gone with the browser; the server ends it when idle
    CHECK(cookie.find(t.officeA) == std::string::npos);  // the token itself is never handed back
    auto body = r.json();
    CHECK(body->getValue<std::string>("office") == "harunire-no-oka");
    CHECK(body->getValue<bool>("authRequired"));
    CHECK(body->getObject("officeInfo")->getValue<std::string>("name") == "居宅介護支援事業所 はるにれの丘");
    CHECK(body->getValue<int>("idleSeconds") == 1800);
    CHECK(r.body.find(t.officeA) == std::string::npos);

    Browser b = browserFor(server.port(), t.officeA);
    CHECK(b.send("GET", "/api/v1/session").json()->getValue<std::string>("csrfToken") == b.csrf);
    CHECK(b.send("GET", "/api/v1/jobs", "", {}, false).status == 200);
    // A made-up or ended session is not a session.
    CHECK(request(server.port(), "GET", "/api/v1/jobs", "", {{"Cookie", "renkei_session=forged"}}).status == 401);

    Response out = b.send("DELETE", "/api/v1/session");
    CHECK(out.status == 204);
    CHECK(out.headers["Set-Cookie"].find("Max-Age=0") != std::string::npos);
    CHECK(b.send("GET", "/api/v1/jobs").status == 401);
    CHECK(b.send("GET", "/api/v1/session").status == 401);
}

TEST_CASE("A cookie-authenticated change needs the session's CSRF token and this site's origin", "[e2e][web][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    Browser b = browserFor(server.port(), t.officeA);
    const std::string job = printJob("admission-info");

    Response noToken = b.send("POST", "/api/v1/jobs", job, {}, false);
    CHECK(noToken.status == 403);
    CHECK(noToken.json()->getValue<std::string>("code") == "csrf_token_missing");
    CHECK(b.send("POST", "/api/v1/jobs", job, {{"X-CSRF-Token", "wrong"}}, false).status == 403);
    Browser other = browserFor(server.port(), t.officeA);  // another session's token does not do
    CHECK(b.send("POST", "/api/v1/jobs", job, {{"X-CSRF-Token", other.csrf}}, false).status == 403);
    CHECK(b.send("DELETE", "/api/v1/session", "", {}, false).status == 403);  // no signing out from elsewhere

    const std::string self = "http://127.0.0.1:" + std::to_string(server.port());
    Response crossSite = b.send("POST", "/api/v1/jobs", job, {{"Origin", "http://evil.example"}});
    CHECK(crossSite.status == 403);
    CHECK(crossSite.json()->getValue<std::string>("code") == "cross_site_request");
    CHECK(b.send("POST", "/api/v1/jobs", job, {{"Origin", "null"}}).status == 403);
    CHECK(b.send("POST", "/api/v1/jobs", job, {{"Sec-Fetch-Site", "cross-site"}}).status == 403);
    CHECK(b.send("POST", "/api/v1/jobs", job, {{"Origin", "http://127.0.0.1:1"}}).status == 403);

    CHECK(b.send("POST", "/api/v1/jobs", job, {{"Origin", self}, {"Sec-Fetch-Site", "same-origin"}}).status == 201);
    CHECK(b.send("POST", "/api/v1/jobs", job).status == 201);
    // Reading needs no CSRF token; API clients with a bearer token need none either.
    CHECK(b.send("GET", "/api/v1/jobs", "", {}, false).status == 200);
    CHECK(request(server.port(), "POST", "/api/v1/jobs", job, {{"Authorization", "Bearer " + t.officeA}}).status == 201);
}

TEST_CASE("Behind TLS the session cookie is Secure and host-only", "[e2e][web][security]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) {
        s.tokensFile = t.file;
        s.behindTlsProxy = true;
    });
    Response r = signIn(server.port(), t.officeA);
    REQUIRE(r.status == 200);
    const std::string cookie = r.headers["Set-Cookie"];
    CHECK(cookie.rfind("__Host-renkei_session=", 0) == 0);
    CHECK(cookie.find("; Secure") != std::string::npos);
    CHECK(cookie.find("Domain") == std::string::npos);
    // The proxy may hand on the browser's host name.
    Browser b = browserFor(server.port(), t.officeA);
    CHECK(b.send("POST", "/api/v1/drafts", R"({"sheet":"admission-info","fields":{}})",
                 {{"Origin", "https://renkei.example"}, {"X-Forwarded-Host", "renkei.example"}})
              .status == 201);
}

TEST_CASE("Without tokens the interface opens directly, but only under a loopback name", "[e2e][web][security]") {
    TestServer server;
    auto session = server.get("/api/v1/session").json();
    CHECK_FALSE(session->getValue<bool>("authRequired"));
    CHECK(request(server.port(), "GET", "/", "", {{"Host", "localhost:8080"}}).status == 200);
    // A rebinding DNS name that points at 127.0.0.1 gets nothing.
    Response rebound = request(server.port(), "GET", "/api/v1/jobs", "", {{"Host", "attacker.example:8080"}});
    CHECK(rebound.status == 403);
    CHECK(request(server.port(), "GET", "/", "", {{"Host", "attacker.example"}}).status == 403);
    // And another site cannot make the open API change anything.
    CHECK(request(server.port(), "POST", "/api/v1/jobs", printJob("admission-info"),
                  {{"Origin", "http://attacker.example"}})
              .status == 403);
    CHECK(server.post("/api/v1/jobs", printJob("admission-info")).status == 201);
}

TEST_CASE("Drafts are kept per office, limited in size, and copied from an earlier job", "[e2e][web][drafts]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) {
        s.tokensFile = t.file;
        s.draftMaxBytes = 8192;
    });
    Browser a = browserFor(server.port(), t.officeA);
    Browser b = browserFor(server.port(), t.officeB);
    Response created = a.send("POST", "/api/v1/drafts",
                              R"({"sheet":"admission-info","title":"旭川 太郎","patient_ref":"R-001",)"
                              R"("fields":{"pt_name":"旭川 太郎","life_history":"<script>alert(1)</script>"},)"
                              R"("delivery":{"channel":"fax","partner":"toko-shirakaba"}})");
    REQUIRE(created.status == 201);
    const std::string id = created.json()->getValue<std::string>("id");
    CHECK(created.headers["Location"] == "/api/v1/drafts/" + id);

    auto listed = a.send("GET", "/api/v1/drafts").json()->getArray("drafts");
    REQUIRE(listed->size() == 1);
    CHECK(listed->getObject(0)->getValue<std::string>("sheetTitle") == "入院時情報提供シート");
    CHECK_FALSE(listed->getObject(0)->has("fields"));
    auto read = a.send("GET", "/api/v1/drafts/" + id).json();
    CHECK(read->getObject("fields")->getValue<std::string>("life_history") == "<script>alert(1)</script>");
    CHECK(read->getObject("delivery")->getValue<std::string>("partner") == "toko-shirakaba");

    // Another office: nothing to see, change or delete.
    CHECK(b.send("GET", "/api/v1/drafts").json()->getArray("drafts")->size() == 0);
    CHECK(b.send("GET", "/api/v1/drafts/" + id).status == 404);
    CHECK(b.send("PUT", "/api/v1/drafts/" + id, R"({"fields":{}})").status == 404);
    CHECK(b.send("DELETE", "/api/v1/drafts/" + id).status == 404);

    // Saving: with the revision read, a stale copy is refused.
    Response saved = a.send("PUT", "/api/v1/drafts/" + id, R"({"revision":1,"title":"旭川 太郎","fields":{"pt_name":"旭川 太郎"}})");
    CHECK(saved.status == 200);
    CHECK(saved.json()->getValue<int>("revision") == 2);
    CHECK(a.send("PUT", "/api/v1/drafts/" + id, R"({"revision":1,"fields":{}})").status == 409);
    CHECK(a.send("PUT", "/api/v1/drafts/" + id, R"({"sheet":"physician-contact","fields":{}})").status == 422);
    CHECK(a.send("POST", "/api/v1/drafts", R"({"sheet":"no-such-sheet","fields":{}})").status == 422);
    CHECK(a.send("POST", "/api/v1/drafts", R"({"sheet":"admission-info","fields":{},"attachments":[]})").status == 422);
    Response big = a.send("POST", "/api/v1/drafts",
                          R"({"sheet":"admission-info","fields":{"life_history":")" + std::string(9000, 'x') + "\"}}");
    CHECK(big.status == 413);
    // Drafts need the CSRF token like every change.
    CHECK(a.send("DELETE", "/api/v1/drafts/" + id, "", {}, false).status == 403);
    CHECK(a.send("DELETE", "/api/v1/drafts/" + id).status == 204);
    CHECK(a.send("GET", "/api/v1/drafts/" + id).status == 404);

    // "Copy as new": the job's fields without the previous sheet's date, its reference and partner.
    Response job = a.send("POST", "/api/v1/jobs",
                          R"({"sheet":"admission-info","patient_ref":"R-002","delivery":{"channel":"print"},"fields":)" +
                              sampleFieldsJson("admission-info") + "}");
    REQUIRE(job.status == 201);
    const std::string jobId = job.json()->getValue<std::string>("id");
    CHECK(b.send("POST", "/api/v1/drafts", R"({"from_job":")" + jobId + "\"}").status == 404);
    Response copy = a.send("POST", "/api/v1/drafts", R"({"from_job":")" + jobId + "\"}");
    REQUIRE(copy.status == 201);
    auto copied = copy.json();
    CHECK(copied->getValue<std::string>("sourceJob") == jobId);
    CHECK(copied->getValue<std::string>("patientRef") == "R-002");
    CHECK(copied->getValue<std::string>("sheet") == "admission-info");
    CHECK_FALSE(copied->getObject("fields")->has("doc_date"));
    CHECK_FALSE(copied->getObject("fields")->has("sent_at"));
    CHECK(copied->getObject("fields")->getValue<std::string>("pt_name") ==
          Poco::JSON::Parser().parse(sampleFieldsJson("admission-info")).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("pt_name"));
}

TEST_CASE("The fax preview is the masked fax the partner would receive", "[e2e][web][fax]") {
    TestServer server;
    const std::string body = R"({"fields":)" + sampleFieldsJson("admission-info") + R"(,"cover":{"message":"ご確認ください"}})";
    Response full = server.post("/api/v1/sheets/admission-info/render?format=pdf", R"({"fields":)" + sampleFieldsJson("admission-info") + "}");
    Response fax = server.post("/api/v1/sheets/admission-info/render?format=pdf&fax=toko-shirakaba", body);
    REQUIRE(fax.status == 200);
    CHECK(fax.contentType == "application/pdf");
    CHECK(fax.headers["X-Page-Count"] == "3");
    testing_support::TempDir dir;
    testing_support::writeFile(dir.file("full.pdf"), full.body);
    testing_support::writeFile(dir.file("fax.pdf"), fax.body);
    const std::string name = Poco::JSON::Parser().parse(sampleFieldsJson("admission-info")).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("pt_name");
    const std::string family = name.substr(0, name.find(' '));
    CHECK(testing_support::stripSpace(testing_support::pdfText(dir.file("full.pdf"))).find(family) != std::string::npos);
    const std::string faxText = testing_support::stripSpace(testing_support::pdfText(dir.file("fax.pdf")));
    CHECK(faxText.find("FAX送付状") != std::string::npos);
    CHECK(faxText.find("0166-00-1235") != std::string::npos);
    CHECK(faxText.find(family) == std::string::npos);
    // Only a directory partner, only as PDF; field problems as for a job.
    Response unknown = server.post("/api/v1/sheets/admission-info/render?format=pdf&fax=nobody", body);
    CHECK(unknown.status == 422);
    CHECK(unknown.body.find("delivery.partner") != std::string::npos);
    CHECK(server.post("/api/v1/sheets/admission-info/render?format=xlsx&fax=toko-shirakaba", body).status == 422);
    Response bad = server.post("/api/v1/sheets/admission-info/render?format=pdf&fax=toko-shirakaba", R"({"fields":{}})");
    CHECK(bad.status == 422);
    CHECK(bad.body.find("fields.doc_date") != std::string::npos);
    // Without ?fax the render route takes no cover, as before.
    CHECK(server.post("/api/v1/sheets/admission-info/render?format=pdf", body).status == 422);
}

TEST_CASE("The schema names what each derived value is computed from", "[e2e][web]") {
    TestServer server;
    auto fields = server.get("/api/v1/sheets/admission-info").json()->getArray("fields");
    bool sawAge = false;
    for (size_t i = 0; i < fields->size(); ++i) {
        auto f = fields->getObject(i);
        if (f->getValue<std::string>("key") != "pt_age") continue;
        sawAge = true;
        auto from = f->getArray("derivedFrom");
        REQUIRE(from);
        CHECK(from->getElement<std::string>(0) == "pt_birth_date");
        CHECK(from->getElement<std::string>(1) == "doc_date");
    }
    CHECK(sawAge);
}

TEST_CASE("A refused request's unread body does not become the next request on the connection", "[e2e][web]") {
    testing_support::TempDir dir;
    Tokens t = writeTokens(dir);
    TestServer server([&](config::Settings& s) { s.tokensFile = t.file; });
    // The browser's autosave after its session ended: a PUT with a body,
    // answered 401 before the body is read, then the next request on the same
    // keep-alive connection.
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()));
    session.setKeepAlive(true);
    const std::string body = R"({"fields":{"pt_name":"旭川 太郎","life_history":")" + std::string(20000, 'x') + "\"}}";
    for (const char* method : {"PUT", "POST"}) {
        INFO(method);
        Poco::Net::HTTPRequest refused(method, "/api/v1/drafts/0123456789abcdef0123456789abcdef", Poco::Net::HTTPMessage::HTTP_1_1);
        refused.setContentType("application/json");
        refused.setContentLength(static_cast<std::streamsize>(body.size()));
        refused.setKeepAlive(true);
        session.sendRequest(refused) << body;
        Poco::Net::HTTPResponse first;
        std::string ignored;
        Poco::StreamCopier::copyToString(session.receiveResponse(first), ignored);
        CHECK(static_cast<int>(first.getStatus()) == 401);
        Poco::Net::HTTPRequest next("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
        next.setKeepAlive(true);
        session.sendRequest(next);
        Poco::Net::HTTPResponse second;
        std::string health;
        Poco::StreamCopier::copyToString(session.receiveResponse(second), health);
        CHECK(static_cast<int>(second.getStatus()) == 200);
        CHECK(health.find("ok") != std::string::npos);
    }
}
