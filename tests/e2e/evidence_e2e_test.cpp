// Billing evidence over HTTP (issues 4 and 15): the add-on tier and the 第5表
// line follow what happened to the job (the fax gateway's send time, a
// recorded hand delivery, a cancellation), never the sheet's own sent_at; the
// month report lists each item in the month the information was provided, as
// JSON and as CSV for Excel.
#include <catch2/catch.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <Poco/Timespan.h>

#include <sstream>

#include "common/clock.h"
#include "common/ids.h"
#include "e2e_support.h"
#include "form/wareki.h"
#include "jobs/job_store.h"

using namespace e2e;
using Poco::JSON::Object;

namespace {

Poco::DateTime nowJst() {
    Poco::DateTime now;
    now += Poco::Timespan(9 * Poco::Timespan::HOURS);
    return now;
}

std::string thisMonthJst() { return Poco::DateTimeFormatter::format(nowJst(), "%Y-%m"); }

// Today in Japan plus `days`, as YYYY-MM-DD.
std::string dayJst(int days) {
    return Poco::DateTimeFormatter::format(nowJst() + Poco::Timespan(days, 0, 0, 0, 0), "%Y-%m-%d");
}

Object::Ptr sampleFields(const std::string& sheet) {
    return Poco::JSON::Parser().parse(sample(sheet)).extract<Object::Ptr>()->getObject("fields");
}

std::string json(const Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

// The admission sample, admitted on `admissionDate` (after hours when
// afterHours, else at 10:00 within them), and claiming on the sheet that it
// was faxed that day at 15:10.
Object::Ptr admission(const std::string& admissionDate, bool afterHours) {
    Object::Ptr f = sampleFields("admission-info");
    f->set("admission_date", admissionDate);
    f->set("admission_time", afterHours ? "20:15" : "10:00");
    f->set("admitted_after_hours", afterHours);
    f->set("doc_date", admissionDate);
    f->set("info_provided_date", admissionDate);
    f->set("sent_at", admissionDate + "T15:10:00+09:00");
    f->set("send_method", "fax");
    return f;
}

std::string faxJob(const Object::Ptr& fields) {
    return R"({"sheet":"admission-info","allow_duplicate":true,"delivery":{"channel":"fax","partner":"toko-shirakaba"},"fields":)" +
           json(fields) + "}";
}

std::string idOf(const Response& r) { return r.json()->getValue<std::string>("id"); }

// Runs the gateway simulator once over the fax spool.
void runGateway(const TestServer& server, const std::string& outcome) {
    auto r = testing_support::run({RENKEI_FAX_SIM, "--spool", server.dataDir() + "/spool/fax", "--outcome", outcome, "--once"});
    REQUIRE(r.exitCode == 0);
}

// Polls the job until it reaches `state` (at most ~5 s).
Object::Ptr waitFor(const TestServer& server, const std::string& id, const std::string& state) {
    Object::Ptr job;
    for (int i = 0; i < 100; ++i) {
        job = server.get("/api/v1/jobs/" + id).json();
        if (job->getValue<std::string>("state") == state) return job;
        Poco::Thread::sleep(50);
    }
    FAIL("job " << id << " stayed " << job->getValue<std::string>("state") << ", expected " << state);
    return job;
}

// Submits a fax, lets the gateway simulator send it, and returns the job as sent.
Object::Ptr faxedBy(const TestServer& server, const Object::Ptr& fields) {
    Response r = server.post("/api/v1/jobs", faxJob(fields));
    REQUIRE(r.status == 201);
    const std::string id = idOf(r);
    waitFor(server, id, "spooled");
    runGateway(server, "sent");
    return waitFor(server, id, "sent");
}

const auto kShortHold = [](config::Settings& s) {
    s.faxHoldSeconds = 1;
    s.dispatchPollMs = 50;
};

std::string str(const Object::Ptr& o, const std::string& key) { return o ? o->optValue<std::string>(key, "") : ""; }

// The ids the month report lists.
std::vector<std::string> listed(const TestServer& server, const std::string& month) {
    Response r = server.get("/api/v1/evidence?month=" + month);
    REQUIRE(r.status == 200);
    std::vector<std::string> ids;
    auto rows = r.json()->getArray("jobs");
    for (size_t i = 0; i < rows->size(); ++i) ids.push_back(rows->getObject(i)->getValue<std::string>("id"));
    return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string deliveredBody(const std::string& at, const std::string& method = "in_person",
                          const std::string& person = "北野") {
    return R"({"at":")" + at + R"(","method":")" + method + R"(","person":")" + person + R"("})";
}

std::string nowIso() { return Poco::DateTimeFormatter::format(nowJst(), "%Y-%m-%dT%H:%M:%S") + "+09:00"; }

}  // namespace

TEST_CASE("Issue 15: an admission sheet the gateway confirms on the admission day supports (I)", "[e2e][evidence]") {
    TestServer server(kShortHold);
    // Admitted today after hours, so (I) reaches into tomorrow and a run across midnight still counts.
    Object::Ptr job = faxedBy(server, admission(dayJst(0), true));
    Object::Ptr ev = job->getObject("evidence");
    CHECK(str(ev, "status") == "sent");
    CHECK(str(ev, "statusLabel") == "送信済");
    const std::string gatewayTime = str(job->getObject("delivery")->getObject("result"), "finishedAt");
    CHECK(str(ev, "providedAt") == gatewayTime);
    CHECK(str(ev->getObject("addOn"), "tier") == "I");
    CHECK(ev->getObject("addOn")->getValue<int>("units") == 250);
    CHECK(str(ev, "recipient") == "東光しらかば記念病院 地域医療連携室 北野 美咲様");
    const std::string line = str(ev, "progressRecord");
    CHECK(line.find("東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートをFAX送信(全") != std::string::npos);
    CHECK(str(ev->getObject("document"), "href") == "/api/v1/jobs/" + str(job, "id") + "/document?format=pdf");
    CHECK(server.get(str(ev->getObject("document"), "href")).status == 200);
}

TEST_CASE("Issue 15: the sheet's sent_at on day 1 does not count when the gateway sent on day 4", "[e2e][evidence]") {
    TestServer server(kShortHold);
    const std::string day1 = dayJst(-3);
    Object::Ptr ev = faxedBy(server, admission(day1, false))->getObject("evidence");
    CHECK(str(ev, "sheetSentAt") == day1 + "T15:10:00+09:00");  // printed, not evidence
    CHECK(str(ev, "providedAt").substr(0, 10) >= dayJst(0).substr(0, 10));
    CHECK(str(ev->getObject("addOn"), "tier") != "I");
    CHECK(ev->getObject("addOn")->getValue<int>("units") < 250);
    // The line carries the gateway's day, not the sheet's.
    CHECK(str(ev, "progressRecord").rfind(form::formatWareki(*form::parseIsoDate(day1)), 0) != 0);
    CHECK(str(ev, "progressRecord").rfind(form::formatWareki(*form::parseIsoDate(str(ev, "providedAt").substr(0, 10))), 0) == 0);
}

TEST_CASE("Issue 15: a printed sheet is pending until its hand delivery is recorded, then has its tier",
          "[e2e][evidence]") {
    TestServer server;
    // Printed for an admission three days ago: pending, however the sheet claims it was sent.
    Response late = server.post("/api/v1/jobs", printJob("admission-info", json(admission(dayJst(-3), false))));
    REQUIRE(late.status == 201);
    const std::string lateId = idOf(late);
    Object::Ptr ev = late.json()->getObject("evidence");
    CHECK(str(ev, "status") == "pending");
    CHECK(str(ev, "statusLabel") == "未送付");
    CHECK(str(ev->getObject("reason"), "code") == "not_delivered");
    CHECK(str(ev->getObject("reason"), "message") == "送付(手渡し・郵送)の記録がありません。");
    CHECK(str(ev->getObject("addOn"), "tier") == "none");
    CHECK_FALSE(ev->has("progressRecord"));
    CHECK(has(listed(server, thisMonthJst()), lateId));

    // Handed over now: too late for (I).
    Response d = server.post("/api/v1/jobs/" + lateId + "/delivered", deliveredBody(nowIso()));
    REQUIRE(d.status == 201);
    ev = d.json()->getObject("evidence");
    CHECK(str(ev, "status") == "delivered");
    CHECK(str(ev, "statusLabel") == "送付済(手渡し)");
    CHECK(str(ev->getObject("addOn"), "tier") != "I");

    // Admitted today after hours and handed over now: (I), and the line names who took it.
    Response today = server.post("/api/v1/jobs", printJob("admission-info", json(admission(dayJst(0), true))));
    REQUIRE(today.status == 201);
    d = server.post("/api/v1/jobs/" + idOf(today) + "/delivered", deliveredBody(nowIso(), "in_person", "北野 美咲"));
    REQUIRE(d.status == 201);
    ev = d.json()->getObject("evidence");
    CHECK(str(ev->getObject("addOn"), "tier") == "I");
    CHECK(str(ev, "progressRecord").find("北野 美咲様へ入院時情報提供シートを持参") != std::string::npos);
    REQUIRE(d.json()->getArray("delivered")->size() == 1);
    CHECK(str(d.json()->getArray("delivered")->getObject(0), "methodLabel") == "手渡し");
    CHECK_FALSE(str(d.json()->getArray("delivered")->getObject(0), "recordedBy").empty());

    // The record is an append-only event and is not replaced by a second one.
    auto events = server.get("/api/v1/jobs/" + idOf(today) + "/events").json()->getArray("events");
    int delivered = 0;
    for (size_t i = 0; i < events->size(); ++i) delivered += str(events->getObject(i), "kind") == "delivered";
    CHECK(delivered == 1);
    Response again = server.post("/api/v1/jobs/" + idOf(today) + "/delivered", deliveredBody(nowIso(), "mail"));
    CHECK(again.status == 409);
    CHECK(str(again.json(), "code") == "already_delivered");
}

TEST_CASE("Issue 15: the delivered route names each bad field and refuses fax and cancelled jobs", "[e2e][evidence]") {
    TestServer server;
    const std::string id = idOf(server.post("/api/v1/jobs", printJob("admission-info")));
    Response bad = server.post("/api/v1/jobs/" + id + "/delivered",
                               R"({"at":"2999-01-01T10:00:00+09:00","method":"carrier pigeon","person":"","colour":"red"})");
    REQUIRE(bad.status == 422);
    std::map<std::string, std::string> codes;
    auto errors = bad.json()->getArray("errors");
    for (size_t i = 0; i < errors->size(); ++i) {
        codes[str(errors->getObject(i), "field")] = str(errors->getObject(i), "code");
        CHECK_FALSE(str(errors->getObject(i), "message").empty());
    }
    CHECK(codes == std::map<std::string, std::string>{
                       {"at", "in_future"}, {"method", "invalid_option"}, {"person", "required"}, {"colour", "unknown_field"}});
    Response early = server.post("/api/v1/jobs/" + id + "/delivered", deliveredBody("2020-01-01T10:00:00+09:00"));
    REQUIRE(early.status == 422);
    CHECK(str(early.json()->getArray("errors")->getObject(0), "code") == "before_created");
    CHECK(server.post("/api/v1/jobs/" + id + "/delivered", "[1]").status == 400);
    CHECK(server.post("/api/v1/jobs/" + std::string(32, 'f') + "/delivered", deliveredBody(nowIso())).status == 404);

    const std::string fax = idOf(server.post("/api/v1/jobs", faxJob(admission(dayJst(0), true))));
    Response refused = server.post("/api/v1/jobs/" + fax + "/delivered", deliveredBody(nowIso()));
    CHECK(refused.status == 409);
    CHECK(str(refused.json(), "code") == "fax_job");
    REQUIRE(request(server.port(), "DELETE", "/api/v1/jobs/" + fax).status == 200);
    refused = server.post("/api/v1/jobs/" + fax + "/delivered", deliveredBody(nowIso()));
    CHECK(refused.status == 409);
    CHECK(str(refused.json(), "code") == "job_cancelled");
    // Nothing was recorded by the refused requests.
    auto events = server.get("/api/v1/jobs/" + id + "/events").json()->getArray("events");
    for (size_t i = 0; i < events->size(); ++i) CHECK(str(events->getObject(i), "kind") != "delivered");
}

TEST_CASE("Issue 15: a cancelled fax supports nothing, says 取消 on its line and is listed", "[e2e][evidence]") {
    TestServer server;  // the default hold window: cancelled long before it ends
    const std::string id = idOf(server.post("/api/v1/jobs", faxJob(admission(dayJst(0), true))));
    Response cancelled = request(server.port(), "DELETE", "/api/v1/jobs/" + id);
    REQUIRE(cancelled.status == 200);
    Object::Ptr ev = cancelled.json()->getObject("evidence");
    CHECK(str(ev, "status") == "cancelled");
    CHECK(str(ev, "statusLabel") == "取消");
    CHECK(str(ev->getObject("addOn"), "tier") == "none");
    CHECK(ev->getObject("addOn")->getValue<int>("units") == 0);
    CHECK(str(ev->getObject("addOn")->getObject("reason"), "code") == "cancelled");
    const std::string line = str(ev, "progressRecord");
    CHECK(line.find("へ入院時情報提供シートのFAX送信を取消") != std::string::npos);
    CHECK(line.find("をFAX送信") == std::string::npos);
    CHECK(has(listed(server, thisMonthJst()), id));
}

TEST_CASE("Issue 15: a job created on a month's last day and delivered on the 1st is in the next month's report",
          "[e2e][evidence]") {
    testing_support::TempDir dir;
    const std::string dataDir = dir.file("data");
    const auto useDir = [&](config::Settings& s) { s.dataDir = dataDir; };
    std::string original;
    {
        TestServer server(useDir);
        original = idOf(server.post("/api/v1/jobs", printJob("admission-info")));
    }
    // A copy of that job as if created on 2025-11-30 at 23:30 (the server's
    // clock cannot be set): stored rendered, so the server sends it out at start.
    const std::string id = common::newJobId();
    {
        common::SystemClock clock;
        auto store = jobs::JobStore::open(dataDir + "/renkei.db", clock);
        REQUIRE(store);
        auto job = store.value()->get(original);
        auto pdf = store.value()->document(original, "pdf");
        REQUIRE(job);
        REQUIRE(pdf);
        jobs::Job copy = job.value();
        copy.id = id;
        copy.idempotencyKey.reset();
        copy.state = jobs::JobState::Rendered;
        copy.sentAt.clear();
        copy.replyRef.clear();  // a reply reference names one job (issue 18); the copy has none, as older jobs
        copy.createdAtUs = Poco::DateTime(2025, 11, 30, 14, 30).timestamp().epochMicroseconds();  // 23:30 JST
        REQUIRE(store.value()->createRendered(copy, "test", {{"pdf", pdf.value()}}, R"({"pages":2})"));
    }
    TestServer server(useDir);
    CHECK(has(listed(server, "2025-11"), id));  // pending: the month it was created
    CHECK_FALSE(has(listed(server, "2025-12"), id));
    Object::Ptr pending = server.get("/api/v1/jobs/" + id).json()->getObject("evidence");
    CHECK(str(pending, "status") == "pending");
    CHECK(str(pending, "month") == "2025-11");

    Response d = server.post("/api/v1/jobs/" + id + "/delivered", deliveredBody("2025-12-01T09:00:00+09:00"));
    REQUIRE(d.status == 201);
    CHECK(str(d.json()->getObject("evidence"), "month") == "2025-12");
    CHECK(has(listed(server, "2025-12"), id));
    CHECK_FALSE(has(listed(server, "2025-11"), id));
    // Before it was created is refused.
    CHECK(server.post("/api/v1/jobs/" + original + "/delivered", deliveredBody("2025-11-30T23:00:00+09:00")).status == 422);
}

TEST_CASE("Issue 15: a discharge sheet written this month about last month's interviews is last month's item",
          "[e2e][evidence]") {
    TestServer server;
    Poco::DateTime firstOfMonth(nowJst().year(), nowJst().month(), 1);
    auto lastMonthDay = [&](int back) {
        return Poco::DateTimeFormatter::format(firstOfMonth - Poco::Timespan(back, 0, 0, 0, 0), "%Y-%m-%d");
    };
    const std::string lastMonth = Poco::DateTimeFormatter::format(firstOfMonth - Poco::Timespan(1, 0, 0, 0, 0), "%Y-%m");
    Object::Ptr f = sampleFields("discharge-liaison");
    f->set("admission_date", lastMonthDay(60));
    f->set("planned_discharge_date", lastMonthDay(5));
    f->set("actual_discharge_date", lastMonthDay(5));
    f->set("doc_date", dayJst(0));
    Poco::JSON::Array::Ptr interviews = f->getArray("interviews");
    interviews->getObject(0)->set("date", lastMonthDay(12));
    interviews->getObject(1)->set("date", lastMonthDay(8));
    interviews->getObject(2)->set("date", lastMonthDay(6));
    Response r = server.post("/api/v1/jobs", printJob("discharge-liaison", json(f)));
    REQUIRE(r.status == 201);
    Object::Ptr ev = r.json()->getObject("evidence");
    CHECK(str(ev, "status") == "recorded");
    CHECK(str(ev, "providedAt") == lastMonthDay(6));
    CHECK(str(ev, "month") == lastMonth);
    CHECK(str(ev->getObject("addOn"), "tier") == "III");
    CHECK(has(listed(server, lastMonth), idOf(r)));
    CHECK_FALSE(has(listed(server, thisMonthJst()), idOf(r)));
}

TEST_CASE("Issue 15: a second receipt confirmation is a second event and does not overwrite the first",
          "[e2e][evidence]") {
    TestServer server(kShortHold);
    Object::Ptr sent = faxedBy(server, admission(dayJst(0), true));
    const std::string id = str(sent, "id");
    const std::string receipts = "/api/v1/jobs/" + id + "/receipt";
    REQUIRE(server.post(receipts, R"({"person":"佐藤","method":"phone"})").status == 200);
    Poco::Thread::sleep(1100);  // a later second, so the two confirmations differ in time
    Response second = server.post(receipts, R"({"person":"北野","method":"fax"})");
    REQUIRE(second.status == 200);
    Object::Ptr job = second.json();
    REQUIRE(job->getArray("receipts")->size() == 2);
    CHECK(str(job->getArray("receipts")->getObject(0), "person") == "佐藤");
    CHECK(str(job->getArray("receipts")->getObject(1), "person") == "北野");
    CHECK(str(job->getObject("receipt"), "person") == "佐藤");  // "the" confirmation is the first
    const std::string line = str(job->getObject("evidence"), "progressRecord");
    CHECK(line.find("電話にて受信確認(佐藤様)") != std::string::npos);
    CHECK(line.find("再度FAXにて受信確認(北野様)") != std::string::npos);
    auto events = server.get("/api/v1/jobs/" + id + "/events").json()->getArray("events");
    int confirmations = 0;
    for (size_t i = 0; i < events->size(); ++i) confirmations += str(events->getObject(i), "kind") == "receipt_confirmed";
    CHECK(confirmations == 2);
}

TEST_CASE("Issue 15: the month's CSV shows recipients' names and Japanese states, with a BOM", "[e2e][evidence]") {
    TestServer server(kShortHold);
    const std::string month = thisMonthJst();
    const std::string sent = str(faxedBy(server, admission(dayJst(0), true)), "id");
    const std::string printed = idOf(server.post("/api/v1/jobs", printJob("admission-info", json(admission(dayJst(0), true)))));
    Response json = server.get("/api/v1/evidence?month=" + month);
    REQUIRE(json.status == 200);
    auto rows = json.json()->getArray("jobs");
    CHECK(rows->size() == 2);
    for (size_t i = 0; i < rows->size(); ++i) {
        Object::Ptr row = rows->getObject(i);
        CHECK(str(row, "recipient").find("様") != std::string::npos);
        CHECK_FALSE(str(row->getObject("evidence")->getObject("document"), "href").empty());
    }
    Response csv = server.get("/api/v1/evidence?month=" + month + "&format=csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.contentType.find("text/csv") == 0);
    CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.body.find("\r\n") != std::string::npos);
    CHECK(csv.body.find("東光しらかば記念病院 地域医療連携室 北野 美咲様") != std::string::npos);
    CHECK(csv.body.find("toko-shirakaba") == std::string::npos);
    CHECK(csv.body.find(",送信済,") != std::string::npos);
    CHECK(csv.body.find(",未送付,") != std::string::npos);
    CHECK(csv.body.find("入院時情報連携加算(Ⅰ)") != std::string::npos);
    CHECK(csv.body.find(sent) != std::string::npos);
    CHECK(csv.body.find(printed) != std::string::npos);
    CHECK(server.get("/api/v1/evidence?month=2025-13").status == 422);
    CHECK(server.get("/api/v1/evidence").status == 422);
}
