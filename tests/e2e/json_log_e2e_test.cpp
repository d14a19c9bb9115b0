// Issue 19: log.format = json through the built binary: every line is one
// JSON object, request lines carry the request's fields, and no token, field
// value or query appears anywhere in the log.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <regex>
#include <sstream>

#include "e2e_support.h"

using namespace e2e;
using testing_support::run;
using testing_support::sourcePath;
using testing_support::TempDir;
using testing_support::writeFile;

namespace {

std::vector<Poco::JSON::Object::Ptr> parseLines(const std::string& log) {
    std::vector<Poco::JSON::Object::Ptr> lines;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        INFO("log line: " << line);
        REQUIRE_NOTHROW(lines.push_back(Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>()));
    }
    return lines;
}

// The one log line of the request with this X-Request-Id.
Poco::JSON::Object::Ptr lineOf(const std::vector<Poco::JSON::Object::Ptr>& lines, const Response& r) {
    const std::string id = r.headers.at("X-Request-Id");
    Poco::JSON::Object::Ptr found;
    int count = 0;
    for (const auto& l : lines)
        if (l->has("requestId") && l->getValue<std::string>("requestId") == id) {
            found = l;
            ++count;
        }
    INFO("request " << id);
    REQUIRE(count == 1);
    return found;
}

}  // namespace

TEST_CASE("log.format = json writes one JSON object per line with the request's fields and no secret",
          "[e2e][log]") {
    TempDir dir;
    auto made = run({RENKEI_BINARY, "token", "new", "--office", "harunire-no-oka", "--role", "submitter", "--name", "desk",
                     "--config", sourcePath("config/renkei.properties")});
    REQUIRE(made.exitCode == 0);
    const std::string token = made.output.substr(made.output.find("rk_"), made.output.find('\n', made.output.find("rk_")) -
                                                                            made.output.find("rk_"));
    const std::string tokenLine = made.output.substr(made.output.find("desk,"),
                                                     made.output.find('\n', made.output.find("desk,")) -
                                                         made.output.find("desk,"));
    writeFile(dir.file("tokens.csv"), "name,office,role,sha256,status\n" + tokenLine + "\n");
    const int port = freePort();
    writeFile(dir.file("renkei.properties"),
              "server.port = " + std::to_string(port) + "\ndata.dir = data\nauth.tokensFile = tokens.csv\n"
              "templates.dir = " + sourcePath("templates") + "\npartners.file = " + sourcePath("config/partners.csv") +
              "\nweb.dir = " + sourcePath("web") + "\noffices.file = " + sourcePath("config/offices.csv") +
              "\nlog.format = json\n");
    Poco::Pipe out;
    Poco::ProcessHandle process =
        Poco::Process::launch(RENKEI_BINARY, {"--config", dir.file("renkei.properties")}, nullptr, &out, &out);
    REQUIRE(waitUntilHealthy(port));

    const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
    const std::string name = "記録検査 秘密子";  // a field value that must never reach the log
    std::string body = printJob("admission-info");
    body.replace(body.find("雪原 正夫"), std::string("雪原 正夫").size(), name);
    Response created = request(port, "POST", "/api/v1/jobs", body, auth);
    REQUIRE(created.status == 201);
    const std::string jobId = created.json()->getValue<std::string>("id");
    Response job = request(port, "GET", "/api/v1/jobs/" + jobId, "", auth);
    CHECK(job.status == 200);
    std::string refusedBody = printJob("admission-info");
    refusedBody.replace(refusedBody.find("雪原 正夫"), std::string("雪原 正夫").size(), std::string(2000, 'Z') + "漏洩");
    Response refused = request(port, "POST", "/api/v1/jobs", refusedBody, auth);
    CHECK(refused.status == 422);
    Response sheet = request(port, "GET", "/api/v1/sheets/admission-info?q=query-secret", "", auth);
    CHECK(sheet.status == 200);
    Response badToken = request(port, "GET", "/api/v1/jobs", "", {{"Authorization", "Bearer rk_not-a-real-token"}});
    CHECK(badToken.status == 401);
    Response health = request(port, "GET", "/healthz");

    ::kill(process.id(), SIGTERM);
    CHECK(process.wait() == 0);
    Poco::PipeInputStream in(out);
    std::string log;
    Poco::StreamCopier::copyToString(in, log);
    INFO(log);

    const auto lines = parseLines(log);
    REQUIRE(lines.size() >= 8);  // ready, six requests, stopping, stopped
    const std::regex iso("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}([+-]\\d\\d:\\d\\d|Z)");
    for (const auto& l : lines) {
        CHECK(std::regex_match(l->getValue<std::string>("time"), iso));
        const std::string level = l->getValue<std::string>("level");
        CHECK((level == "info" || level == "warning" || level == "error" || level == "notice"));
        CHECK_FALSE(l->getValue<std::string>("message").empty());
    }

    auto posted = lineOf(lines, created);
    CHECK(posted->getValue<std::string>("route") == "/api/v1/jobs");
    CHECK(posted->getValue<std::string>("method") == "POST");
    CHECK(posted->getValue<int>("status") == 201);
    CHECK(posted->getValue<std::string>("jobId") == jobId);
    CHECK(posted->getValue<double>("durationMs") >= 0);
    CHECK(posted->getValue<std::string>("level") == "info");

    auto got = lineOf(lines, job);
    CHECK(got->getValue<std::string>("route") == "/api/v1/jobs/{id}");  // the pattern, not the path
    CHECK(got->getValue<std::string>("jobId") == jobId);
    CHECK(got->getValue<int>("status") == 200);

    auto refusedLine = lineOf(lines, refused);
    CHECK(refusedLine->getValue<int>("status") == 422);
    CHECK_FALSE(refusedLine->has("jobId"));
    CHECK(lineOf(lines, sheet)->getValue<std::string>("route") == "/api/v1/sheets/{sheet}");
    CHECK(lineOf(lines, badToken)->getValue<int>("status") == 401);
    CHECK(lineOf(lines, health)->getValue<std::string>("route") == "/healthz");

    for (const std::string& secret : {token, token.substr(3), std::string("rk_not-a-real-token"), name,
                                      std::string("漏洩"), std::string("query-secret"), std::string("ZZZZZZZZ")})
        CHECK(log.find(secret) == std::string::npos);
}
