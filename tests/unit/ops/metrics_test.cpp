#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <utime.h>

#include <thread>
#include <vector>

#include "common/file_system.h"
#include "ops/gateway_backlog.h"
#include "ops/metrics.h"
#include "test_support.h"

using namespace ops;

TEST_CASE("Values are written as the shortest decimal that reads back the same", "[ops][metrics]") {
    CHECK(formatValue(0) == "0");
    CHECK(formatValue(3) == "3");
    CHECK(formatValue(0.1) == "0.1");
    CHECK(formatValue(0.0025) == "0.0025");
    CHECK(formatValue(1e21) == "1e+21");
    CHECK(formatValue(1.0 / 3) == "0.3333333333333333");
    CHECK(formatValue(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(formatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(formatValue(std::nan("")) == "NaN");
}

TEST_CASE("A counter family writes help, type and one line per label set, escaped", "[ops][metrics]") {
    Registry r;
    auto& c = r.counter("renkei_test_things_total", "Things seen.\nSecond line with \\ backslash.", {"kind"});
    c.labels({"a"}).inc();
    c.labels({"a"}).inc(2.5);
    c.labels({"quote\"back\\slash\nnewline"}).inc();
    Exposition out;
    r.write(out);
    CHECK(out.text() ==
          "# HELP renkei_test_things_total Things seen.\\nSecond line with \\\\ backslash.\n"
          "# TYPE renkei_test_things_total counter\n"
          "renkei_test_things_total{kind=\"a\"} 3.5\n"
          "renkei_test_things_total{kind=\"quote\\\"back\\\\slash\\nnewline\"} 1\n");
}

TEST_CASE("A histogram writes cumulative buckets, +Inf, sum and count", "[ops][metrics]") {
    Registry r;
    auto& h = r.histogram("renkei_test_seconds", "Durations.", {"op"}, {0.1, 1});
    Histogram& child = h.labels({"x"});
    child.observe(0.05);
    child.observe(0.1);  // on the bound: counted in le="0.1"
    child.observe(0.5);
    child.observe(7);
    Exposition out;
    r.write(out);
    CHECK(out.text() ==
          "# HELP renkei_test_seconds Durations.\n"
          "# TYPE renkei_test_seconds histogram\n"
          "renkei_test_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"
          "renkei_test_seconds_bucket{op=\"x\",le=\"1\"} 3\n"
          "renkei_test_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n"
          "renkei_test_seconds_sum{op=\"x\"} 7.65\n"
          "renkei_test_seconds_count{op=\"x\"} 4\n");
}

TEST_CASE("Bad names, label counts, bounds and decreasing counters are refused", "[ops][metrics]") {
    Registry r;
    CHECK_THROWS_AS(r.counter("renkei_things", "no _total"), std::logic_error);
    CHECK_THROWS_AS(r.gauge("renkei-dash", "bad name"), std::logic_error);
    CHECK_THROWS_AS(r.gauge("9lives", "starts with a digit"), std::logic_error);
    CHECK_THROWS_AS(r.gauge("renkei_ok", "bad label", {"__reserved"}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("renkei_h", "le label", {"le"}, {1}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("renkei_h2", "unsorted", {}, {1, 0.5}), std::logic_error);
    auto& g = r.gauge("renkei_g", "ok", {"a", "b"});
    CHECK_THROWS_AS(g.labels({"only one"}), std::logic_error);
    CHECK_THROWS_AS(r.gauge("renkei_g", "twice"), std::logic_error);
    auto& c = r.counter("renkei_c_total", "ok");
    CHECK_THROWS_AS(c.labels({}).inc(-1), std::logic_error);
    g.labels({"x", "y"}).set(5);
    g.labels({"x", "y"}).add(-7);
    CHECK(g.labels({"x", "y"}).value() == -2);
}

TEST_CASE("Counters and histograms lose no update from many threads", "[ops][metrics]") {
    Registry r;
    auto& c = r.counter("renkei_race_total", "race", {"t"});
    auto& h = r.histogram("renkei_race_seconds", "race", {}, {0.5});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20000; ++i) {
                c.labels({t % 2 ? "odd" : "even"}).inc();
                h.labels({}).observe(i % 2 ? 0.25 : 1.0);
            }
        });
    for (auto& t : threads) t.join();
    CHECK(c.labels({"odd"}).value() == 40000);
    CHECK(c.labels({"even"}).value() == 40000);
    Histogram::Snapshot s = h.labels({}).snapshot();
    CHECK(s.count == 80000);
    CHECK(s.cumulative[0] == 40000);
    CHECK(s.sum == Approx(40000 * 0.25 + 40000 * 1.0));
}

TEST_CASE("The service's metrics are registered once under Prometheus names", "[ops][metrics]") {
    ServiceMetrics& m = serviceMetrics();
    CHECK(&m == &serviceMetrics());
    Exposition out;
    processMetrics().write(out);
    for (const char* name : {"renkei_job_submissions_total", "renkei_render_duration_seconds",
                             "renkei_store_commit_duration_seconds", "renkei_store_sync_duration_seconds",
                             "renkei_delivery_results_total", "renkei_inbound_files_total",
                             "renkei_inbound_files_failed_total", "renkei_inbound_pages_total",
                             "renkei_inbound_file_duration_seconds"})
        CHECK(out.text().find(std::string("# TYPE ") + name + " ") != std::string::npos);
}

TEST_CASE("The gateway backlog counts control files in new/ and ages the oldest", "[ops]") {
    testing_support::TempDir dir;
    common::PosixFileSystem fs;
    const Poco::Timestamp now;
    auto empty = gatewayBacklog(fs, dir.path(), now);
    REQUIRE(empty);
    CHECK(empty->waiting == 0);
    CHECK(empty->oldestAgeSeconds == 0);

    auto writeAged = [&](const std::string& name, long ageSeconds) {
        testing_support::writeFile(dir.file(name), "{}");
        struct utimbuf times {};
        times.actime = times.modtime = static_cast<time_t>(now.epochTime() - ageSeconds);
        REQUIRE(::utime(dir.file(name).c_str(), &times) == 0);
    };
    writeAged("a.pdf", 5000);   // a PDF without its control file is still arriving
    writeAged("a.json", 120);
    writeAged("b.json", 30);
    auto backlog = gatewayBacklog(fs, dir.path(), now);
    REQUIRE(backlog);
    CHECK(backlog->waiting == 2);
    CHECK(backlog->oldestAgeSeconds == Approx(120).margin(1));

    auto missing = gatewayBacklog(fs, dir.file("nope"), now);
    CHECK_FALSE(missing);
}
