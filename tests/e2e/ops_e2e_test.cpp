// Issue 19: /readyz and /metrics on a real server.
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>

#include <utime.h>

#include <regex>
#include <sstream>

#include "e2e_support.h"

using namespace e2e;

namespace {

std::vector<std::string> failing(const Response& r) {
    std::vector<std::string> names;
    auto list = r.json()->getArray("failing");
    for (size_t i = 0; list && i < list->size(); ++i) names.push_back(list->getElement<std::string>(i));
    return names;
}

std::string faxJob() {
    Poco::JSON::Object::Ptr s = Poco::JSON::Parser().parse(sample("admission-info")).extract<Poco::JSON::Object::Ptr>();
    std::ostringstream fields;
    s->getObject("fields")->stringify(fields);
    return R"({"sheet":"admission-info","allow_duplicate":true,"delivery":{"channel":"fax","partner":"toko-shirakaba"},"fields":)" +
           fields.str() + "}";
}

}  // namespace

TEST_CASE("readyz answers 200 with every check when the server can work", "[e2e][ops]") {
    TestServer server;
    Response r = server.get("/readyz");
    REQUIRE(r.status == 200);
    auto body = r.json();
    CHECK(body->getValue<std::string>("status") == "ready");
    auto checks = body->getObject("checks");
    for (const char* name : {"store", "spool", "fonts", "faxGateway"}) {
        INFO(name);
        REQUIRE(checks->getObject(name));
        CHECK(checks->getObject(name)->getValue<bool>("ok"));
    }
    CHECK_FALSE(checks->has("cups"));  // no print.cupsQueue
    CHECK(checks->getObject("faxGateway")->getValue<int>("maxAgeSeconds") == 600);
    // No probe file is left behind.
    std::vector<std::string> names;
    Poco::File(server.dataDir()).list(names);
    for (const auto& n : names) CHECK(n.find(".readyz") == std::string::npos);
}

TEST_CASE("readyz answers 503 naming a CUPS server that cannot be reached", "[e2e][ops]") {
    const int port = freePort();  // nobody listens here
    TestServer server([port](config::Settings& s) {
        s.cupsQueue = "renkei-test";
        s.cupsServer = "127.0.0.1:" + std::to_string(port);
    });
    Response r = server.get("/readyz");
    REQUIRE(r.status == 503);
    CHECK(r.contentType.find("application/problem+json") == 0);
    CHECK(r.headers.count("Retry-After"));
    auto body = r.json();
    CHECK(body->getValue<std::string>("code") == "not_ready");
    CHECK(failing(r) == std::vector<std::string>{"cups"});
    CHECK(body->getObject("checks")->getObject("cups")->getValue<std::string>("code") == "unavailable");
    CHECK(body->getObject("checks")->getObject("store")->getValue<bool>("ok"));
    CHECK(r.body.find(server.dataDir()) == std::string::npos);  // no paths to an unauthenticated client
}

TEST_CASE("readyz answers 503 while the gateway leaves a fax waiting too long, and 200 once it takes it",
          "[e2e][ops]") {
    TestServer server([](config::Settings& s) {
        s.faxHoldSeconds = 0;
        s.readyMaxGatewayLagSeconds = 60;
    });
    Response submitted = server.post("/api/v1/jobs", faxJob());
    REQUIRE(submitted.status == 201);
    const std::string id = submitted.json()->getValue<std::string>("id");
    const std::string sidecar = server.dataDir() + "/spool/fax/new/" + id + ".json";
    for (int i = 0; i < 100 && !Poco::File(sidecar).exists(); ++i) Poco::Thread::sleep(50);
    REQUIRE(Poco::File(sidecar).exists());

    Response fresh = server.get("/readyz");
    CHECK(fresh.status == 200);
    CHECK(fresh.json()->getObject("checks")->getObject("faxGateway")->getValue<int>("waiting") == 1);

    // The fax arrived two minutes ago and the gateway has not taken it.
    struct utimbuf times {};
    times.actime = times.modtime = time(nullptr) - 120;
    REQUIRE(::utime(sidecar.c_str(), &times) == 0);
    Response lagging = server.get("/readyz");
    REQUIRE(lagging.status == 503);
    CHECK(failing(lagging) == std::vector<std::string>{"faxGateway"});
    auto gateway = lagging.json()->getObject("checks")->getObject("faxGateway");
    CHECK(gateway->getValue<std::string>("code") == "gateway_lagging");
    CHECK(gateway->getValue<double>("oldestAgeSeconds") >= 119);
    const std::string metrics = server.get("/metrics").body;
    CHECK(sampleValue(metrics, "renkei_fax_gateway_waiting") == 1);
    CHECK(sampleValue(metrics, "renkei_fax_gateway_oldest_age_seconds") >= 119);

    // The gateway takes it: both files to done/.
    for (const char* ext : {".json", ".pdf"})
        Poco::File(server.dataDir() + "/spool/fax/new/" + id + ext)
            .renameTo(server.dataDir() + "/spool/fax/done/" + id + ext);
    CHECK(server.get("/readyz").status == 200);
}

TEST_CASE("readyz answers 503 when a spool folder cannot be written", "[e2e][ops]") {
    TestServer server;
    // A file where the print spool's tmp/ folder was: nothing can be written there.
    const std::string tmp = server.dataDir() + "/spool/print/tmp";
    Poco::File(tmp).remove(true);
    testing_support::writeFile(tmp, "not a folder");
    Response r = server.get("/readyz");
    REQUIRE(r.status == 503);
    CHECK(failing(r) == std::vector<std::string>{"spool"});
    Poco::File(tmp).remove();
    Poco::File(tmp).createDirectory();
    CHECK(server.get("/readyz").status == 200);
}

TEST_CASE("metrics move with the work done and pass promtool", "[e2e][ops][metrics]") {
    testing_support::TempDir dir;
    TestServer server([](config::Settings& s) {
        s.faxHoldSeconds = 0;
        s.dispatchPollMs = 50;
    });
    Response before = server.get("/metrics");
    REQUIRE(before.status == 200);
    CHECK(before.contentType == "text/plain; version=0.0.4; charset=utf-8");
    promtoolAccepts(before.body, dir);

    const std::string ok201 = R"(renkei_job_submissions_total{sheet="admission-info",channel="print",code="201"})";
    const std::string fax201 = R"(renkei_job_submissions_total{sheet="admission-info",channel="fax",code="201"})";
    const std::string bad422 = R"(renkei_job_submissions_total{sheet="admission-info",channel="print",code="422"})";
    const std::string unknown400 = R"(renkei_job_submissions_total{sheet="unknown",channel="unknown",code="400"})";
    const std::string renders = R"(renkei_render_duration_seconds_count{sheet="admission-info",format="pdf"})";
    const std::string faxSent = R"(renkei_delivery_results_total{channel="fax",result="sent"})";
    auto value = [](const std::string& text, const std::string& series) {
        double v = sampleValue(text, series);
        return v < 0 ? 0 : v;  // a series not yet seen is 0
    };

    REQUIRE(server.post("/api/v1/jobs", printJob("admission-info")).status == 201);
    REQUIRE(server.post("/api/v1/jobs", printJob("admission-info")).status == 201);
    REQUIRE(server.post("/api/v1/jobs", printJob("admission-info", R"({"pt_name":""})")).status == 422);
    REQUIRE(server.post("/api/v1/jobs", "{not json").status == 400);
    Response fax = server.post("/api/v1/jobs", faxJob());
    REQUIRE(fax.status == 201);
    const std::string faxId = fax.json()->getValue<std::string>("id");
    // The gateway sends it (docs/fax-gateway.md): both files to done/, then the result.
    const std::string spool = server.dataDir() + "/spool/fax/";
    for (int i = 0; i < 100 && !Poco::File(spool + "new/" + faxId + ".json").exists(); ++i) Poco::Thread::sleep(50);
    for (const char* ext : {".pdf", ".json"})
        Poco::File(spool + "new/" + faxId + ext).renameTo(spool + "done/" + faxId + ext);
    testing_support::writeFile(spool + "done/" + faxId + ".result.json",
                               R"({"jobId":")" + faxId + R"(","status":"sent","pagesSent":3,"finishedAt":"2025-11-20T15:11:42+09:00"})");
    for (int i = 0; i < 100 && server.get("/api/v1/jobs/" + faxId).json()->getValue<std::string>("state") != "sent"; ++i)
        Poco::Thread::sleep(50);

    Response after = server.get("/metrics");
    REQUIRE(after.status == 200);
    promtoolAccepts(after.body, dir);
    CHECK(value(after.body, ok201) - value(before.body, ok201) == 2);
    CHECK(value(after.body, fax201) - value(before.body, fax201) == 1);
    CHECK(value(after.body, bad422) - value(before.body, bad422) == 1);
    CHECK(value(after.body, unknown400) - value(before.body, unknown400) == 1);
    // Each print job renders once; the fax job its full copy and its masked fax copy.
    CHECK(value(after.body, renders) - value(before.body, renders) >= 4);
    CHECK(value(after.body, "renkei_store_commit_duration_seconds_count") >
          value(before.body, "renkei_store_commit_duration_seconds_count"));
    CHECK(value(after.body, "renkei_store_sync_duration_seconds_count") >
          value(before.body, "renkei_store_sync_duration_seconds_count"));
    CHECK(value(after.body, faxSent) - value(before.body, faxSent) == 1);
    // Jobs by state come from this server's store.
    CHECK(sampleValue(after.body, R"(renkei_jobs{state="spooled",channel="print"})") == 2);
    CHECK(sampleValue(after.body, R"(renkei_jobs{state="sent",channel="fax"})") == 1);
    CHECK(sampleValue(after.body, R"(renkei_jobs{state="held",channel="fax"})") == 0);
    CHECK(sampleValue(after.body, R"(renkei_turn_pool_waiting{pool="render"})") == 0);
    CHECK(sampleValue(after.body, R"(renkei_turn_pool_refusals_total{pool="submission"})") == 0);
    CHECK(sampleValue(after.body, "renkei_fax_gateway_waiting") == 0);
    // Histogram buckets are cumulative and end in +Inf == _count.
    CHECK(sampleValue(after.body, R"(renkei_render_duration_seconds_bucket{sheet="admission-info",format="pdf",le="+Inf"})") ==
          sampleValue(after.body, renders));
}

TEST_CASE("metrics.allow = none refuses every client with a problem document", "[e2e][ops][metrics]") {
    TestServer server([](config::Settings& s) { s.metricsAllow = "none"; });
    Response r = server.get("/metrics");
    CHECK(r.status == 403);
    CHECK(r.contentType.find("application/problem+json") == 0);
    CHECK(r.json()->getValue<std::string>("code") == "forbidden");
}

TEST_CASE("metrics through a proxy on this machine are refused under metrics.allow = loopback", "[e2e][ops][metrics]") {
    TestServer server;
    CHECK(server.get("/metrics").status == 200);
    Response proxied = request(server.port(), "GET", "/metrics", "", {{"X-Forwarded-For", "192.0.2.7"}});
    CHECK(proxied.status == 403);
}
