// The benchmark's http mode against a real server, with a handful of jobs:
// a smoke run that proves it still works, not a measurement.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "e2e_support.h"

TEST_CASE("renkei-bench http submits a handful of print jobs to a real server", "[e2e][bench]") {
    e2e::TestServer server;
    testing_support::TempDir dir;
    const std::string payloads = dir.file("admission-info.jsonl");
    auto generated = testing_support::run({RENKEI_BENCH, "generate", "--sheet", "admission-info", "--n", "4",
                                           "--templates", testing_support::sourcePath("templates"), "--out", payloads});
    REQUIRE(generated.exitCode == 0);

    auto bench = testing_support::run({RENKEI_BENCH, "http", "--url", "http://127.0.0.1:" + std::to_string(server.port()),
                                       "--connections", "2", "--seconds", "60", "--max-jobs", "6", payloads});
    INFO(bench.output);
    REQUIRE(bench.exitCode == 0);
    const std::string last = bench.output.substr(bench.output.rfind("{\"mode\""));
    auto json = Poco::JSON::Parser().parse(last).extract<Poco::JSON::Object::Ptr>();
    CHECK(json->getValue<std::string>("mode") == "http");
    CHECK(json->getValue<int>("requests") == 6);
    CHECK(json->getObject("status")->getValue<int>("201") == 6);
    CHECK(json->getValue<double>("server_cpu_ms_per_request") > 0);  // the server is this test process
}

TEST_CASE("renkei-bench compare alternates in-process rendering with HTTP submissions and reports the ratio",
          "[e2e][bench]") {
    e2e::TestServer server;
    testing_support::TempDir dir;
    const std::string payloads = dir.file("admission-info.jsonl");
    auto generated = testing_support::run({RENKEI_BENCH, "generate", "--sheet", "admission-info", "--n", "4",
                                           "--templates", testing_support::sourcePath("templates"), "--out", payloads});
    REQUIRE(generated.exitCode == 0);
    auto bench = testing_support::run({RENKEI_BENCH, "compare", "--url", "http://127.0.0.1:" + std::to_string(server.port()),
                                       "--connections", "2", "--seconds", "1", "--rounds", "1", "--threads", "1",
                                       "--templates", testing_support::sourcePath("templates"), payloads});
    INFO(bench.output);
    REQUIRE(bench.exitCode == 0);
    const std::string last = bench.output.substr(bench.output.rfind("{\"mode\""));
    auto json = Poco::JSON::Parser().parse(last).extract<Poco::JSON::Object::Ptr>();
    CHECK(json->getValue<std::string>("mode") == "compare");
    CHECK(json->getValue<double>("render_docs_per_s") > 0);
    CHECK(json->getValue<double>("http_jobs_per_s") > 0);
    CHECK(json->getValue<double>("ratio") ==
          Approx(json->getValue<double>("http_jobs_per_s") / json->getValue<double>("render_docs_per_s")));
    CHECK(json->getObject("status")->getValue<int>("201") > 0);
}

// A smoke run of the hostile mode: one short pass, to prove it runs and
// prints its summary, and that a pass of 150 reaches every route of the
// server's table (without the raw-socket cases, which wait out timeouts). Whether memory stays flat is the benchmark's to say
// over several passes (bench/README.md), not a timed test's.
TEST_CASE("renkei-bench hostile sends one pass of hostile requests to a real server and sums it up", "[e2e][bench]") {
    e2e::TestServer server;
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
    auto bench = testing_support::run({RENKEI_BENCH, "hostile", "--url", url,
                                       "--passes", "1", "--connections", "2", "--requests", "150", "--settle-ms", "0",
                                       "--raw-connections", "0", "--max-body-kb", "64",
                                       "--templates", testing_support::sourcePath("templates")});
    INFO(bench.output);
    REQUIRE(bench.exitCode == 0);  // 1 when any hostile request got a 500
    const std::string last = bench.output.substr(bench.output.rfind("{\"mode\""));
    auto json = Poco::JSON::Parser().parse(last).extract<Poco::JSON::Object::Ptr>();
    CHECK(json->getValue<std::string>("mode") == "hostile");
    CHECK(json->getValue<int>("passes") == 1);
    CHECK(json->getValue<int>("requests_per_pass") == 150);
    CHECK(json->getValue<int>("routes") > 20);
    CHECK(json->getValue<int>("routes_not_reached") == 0);
    CHECK(json->getValue<bool>("healthy_after"));
    long long sent = 0;
    for (const auto& [code, n] : *json->getObject("status")) sent += n.convert<long long>();
    CHECK(sent == 150);
    CHECK(json->getValue<int>("server_errors") == 0);
    CHECK(json->getArray("server_rss_kb")->size() == 1);
    CHECK(json->get("growth_kb").isEmpty());  // one pass: no growth to report
}
