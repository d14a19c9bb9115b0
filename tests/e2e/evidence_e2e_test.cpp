// Billing evidence over HTTP (issue 4): the add-on tier and the 第5表 line on
// the job, and the month's list as JSON and as CSV for Excel.
#include <catch2/catch.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/Timespan.h>

#include "e2e_support.h"

using namespace e2e;

namespace {

std::string thisMonthJst() {
    Poco::DateTime now;
    now += Poco::Timespan(9 * Poco::Timespan::HOURS);
    return Poco::DateTimeFormatter::format(now, "%Y-%m");
}

}  // namespace

TEST_CASE("A printed admission sheet shows its add-on tier and its progress-record line", "[e2e][evidence]") {
    TestServer server;
    // The sample: admitted Wednesday 2025-11-19 at 20:15 (after hours), sent the next day.
    Response r = server.post("/api/v1/jobs", printJob("admission-info"));
    REQUIRE(r.status == 201);
    auto job = server.get("/api/v1/jobs/" + r.json()->getValue<std::string>("id")).json();
    auto ev = job->getObject("evidence");
    REQUIRE(ev);
    auto addOn = ev->getObject("addOn");
    REQUIRE(addOn);
    CHECK(addOn->getValue<std::string>("tier") == "I");
    CHECK(addOn->getValue<std::string>("label") == "入院時情報連携加算(Ⅰ)");
    CHECK(addOn->getValue<int>("units") == 250);
    const std::string line = ev->getValue<std::string>("progressRecord");
    CHECK(line.rfind("令和7年11月20日 15時10分 ", 0) == 0);
    CHECK(line.find("入院時情報提供シート") != std::string::npos);
    CHECK(line.find("(全2枚)") != std::string::npos);
}

TEST_CASE("The discharge sheet's interview log gives the discharge add-on tier", "[e2e][evidence]") {
    TestServer server;
    Response r = server.post("/api/v1/jobs", printJob("discharge-liaison"));
    REQUIRE(r.status == 201);
    auto addOn = server.get("/api/v1/jobs/" + r.json()->getValue<std::string>("id")).json()->getObject("evidence")->getObject("addOn");
    REQUIRE(addOn);
    CHECK(addOn->getValue<std::string>("kind") == "discharge");
    CHECK(addOn->getValue<int>("receiptsCounted") >= 1);
    CHECK_FALSE(addOn->getValue<std::string>("label").empty());
}

TEST_CASE("The month's evidence comes as JSON and as CSV with a BOM", "[e2e][evidence]") {
    TestServer server;
    REQUIRE(server.post("/api/v1/jobs", printJob("admission-info")).status == 201);
    const std::string month = thisMonthJst();
    Response json = server.get("/api/v1/evidence?month=" + month);
    REQUIRE(json.status == 200);
    auto rows = json.json()->getArray("jobs");
    REQUIRE(rows->size() == 1);
    CHECK(rows->getObject(0)->getObject("evidence")->getObject("addOn")->getValue<std::string>("tier") == "I");
    Response csv = server.get("/api/v1/evidence?month=" + month + "&format=csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.contentType.find("text/csv") == 0);
    CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.body.find("入院時情報連携加算(Ⅰ)") != std::string::npos);
    CHECK(csv.body.find("\r\n") != std::string::npos);
    CHECK(server.get("/api/v1/evidence?month=2025-13").status == 422);
    CHECK(server.get("/api/v1/evidence").status == 422);
}
