// Issue 15: the billing evidence follows what happened to the job (the fax
// gateway's send time, a delivered record, a cancellation, a failure), never
// what the sheet claims, and the item belongs to the month the information
// was provided.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "app/delivery_records.h"
#include "app/evidence_report.h"
#include "common/clock.h"
#include "test_support.h"

using Poco::JSON::Object;

namespace {

const form::TemplateRegistry& templates() {
    static auto loaded = form::TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(loaded);
    return *loaded.value();
}

// Monday to Friday, 9:00-18:00, no holidays. The dates below avoid national holidays.
const evidence::BusinessCalendar kOffice;

long long usOf(const std::string& iso) { return app::epochUsOf(*form::parseIsoDateTimeJst(iso)); }

// An admission sheet: admitted Wednesday 2025-11-19 at 10:00 (business hours),
// so (I) needs the information on 11-19 and (II) by 11-21. The sheet claims it
// was faxed on 11-19 at 15:10.
std::string admissionRequest(const std::string& admissionDate = "2025-11-19", const std::string& sendMethod = "fax") {
    return R"({"sheet":"admission-info","fields":{"admission_date":")" + admissionDate +
           R"(","admission_time":"10:00","sent_at":")" + admissionDate + R"(T15:10:00+09:00","send_method":")" +
           sendMethod +
           R"(","recipient_institution":"シートに書いた病院","recipient_department":"医事課","recipient_person":"南"}})";
}

jobs::Job job(jobs::Channel channel, jobs::JobState state, const char* createdAt = "2025-11-19T11:00:00+09:00") {
    jobs::Job j;
    j.id = "0123456789abcdef0123456789abcdef";
    j.sheetId = "admission-info";
    j.channel = channel;
    j.state = state;
    j.requestJson = admissionRequest();
    j.createdAt = createdAt;
    j.createdAtUs = usOf(createdAt);
    j.updatedAt = createdAt;
    j.pageCount = 3;
    if (channel == jobs::Channel::Fax)
        j.deliveryJson =
            R"({"channel":"fax","partner":"toko-shirakaba","name":"東光しらかば記念病院","department":"地域医療連携室",)"
            R"("person":"北野 美咲","faxNumber":"0166001235","faxDisplay":"0166-00-1235","verified":true,"mask":"none"})";
    else
        j.deliveryJson = R"({"channel":"print"})";
    return j;
}

// A fax the gateway reported: status "sent" or "failed" at finishedAt; the
// server recorded it at recordedAt.
jobs::Job faxReported(const std::string& status, const std::string& finishedAt, std::vector<jobs::Event>& events,
                      const std::string& recordedAt, const std::string& reason = "") {
    jobs::Job j = job(jobs::Channel::Fax, status == "sent" ? jobs::JobState::Sent : jobs::JobState::Failed);
    std::string result = R"({"jobId":")" + j.id + R"(","status":")" + status + R"(","pagesSent":3)";
    if (!finishedAt.empty()) result += R"(,"finishedAt":")" + finishedAt + "\"";
    if (!reason.empty()) result += R"(,"reason":")" + reason + "\"";
    result += "}";
    j.deliveryJson.insert(j.deliveryJson.size() - 1, R"(,"result":)" + result);
    if (status == "sent") j.sentAt = finishedAt.empty() ? recordedAt : finishedAt;
    events.push_back({0, j.id, status, recordedAt, "gateway", result});
    return j;
}

jobs::Event event(const std::string& kind, const std::string& at, const std::string& detail) {
    return {0, "0123456789abcdef0123456789abcdef", kind, at, "cm-haruno", detail};
}

Object::Ptr evidenceOf(const jobs::Job& j, const std::vector<jobs::Event>& events = {}) {
    return app::evidenceOf(j, app::historyOf(j, events), templates(), kOffice);
}

std::string str(const Object::Ptr& o, const std::string& key) { return o->optValue<std::string>(key, ""); }
std::string tier(const Object::Ptr& ev) { return str(ev->getObject("addOn"), "tier"); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("Issue 15: a fax the gateway confirms on the admission day supports (I)", "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job j = faxReported("sent", "2025-11-19T15:11:42+09:00", events, "2025-11-19T15:11:43+09:00");
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "status") == "sent");
    CHECK(str(ev, "statusLabel") == "送信済");
    CHECK(str(ev, "providedAt") == "2025-11-19T15:11:42+09:00");
    CHECK(str(ev, "basis") == "fax_gateway");
    CHECK(tier(ev) == "I");
    CHECK(ev->getObject("addOn")->getValue<int>("units") == 250);
    CHECK(str(ev, "month") == "2025-11");
    CHECK(str(ev, "recipient") == "東光しらかば記念病院 地域医療連携室 北野 美咲様");
    CHECK(str(ev, "progressRecord") ==
          "令和7年11月19日 15時11分 東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートをFAX送信(全3枚)");
    // The sheet's claim is shown, not used.
    CHECK(str(ev, "sheetSentAt") == "2025-11-19T15:10:00+09:00");
    CHECK(str(ev, "sheetSendMethod") == "fax");
    Object::Ptr doc = ev->getObject("document");
    CHECK(doc->getValue<int>("index") == 0);
    CHECK(str(doc, "sheet") == "admission-info");
    CHECK(str(doc, "title") == "入院時情報提供シート");
    CHECK(str(doc, "href") == "/api/v1/jobs/" + j.id + "/document?format=pdf");
    CHECK(str(doc, "faxHref") == "/api/v1/jobs/" + j.id + "/document?format=fax_pdf");
}

TEST_CASE("Issue 15: the sheet's sent_at on day 1 does not count when the gateway sent on day 4", "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job j = faxReported("sent", "2025-11-22T09:05:00+09:00", events, "2025-11-22T09:05:01+09:00");
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "sheetSentAt") == "2025-11-19T15:10:00+09:00");
    CHECK(str(ev, "providedAt") == "2025-11-22T09:05:00+09:00");
    CHECK(tier(ev) == "none");
    CHECK(str(ev->getObject("addOn")->getObject("reason"), "code") == "too_late");
    CHECK(contains(str(ev, "progressRecord"), "令和7年11月22日 9時05分"));

    // Day 2 from the gateway is (II), whatever the sheet says.
    std::vector<jobs::Event> day2;
    CHECK(tier(evidenceOf(faxReported("sent", "2025-11-20T10:00:00+09:00", day2, "2025-11-20T10:00:01+09:00"), day2)) == "II");
}

TEST_CASE("Issue 15: a gateway time that is missing or impossible gives way to the time the result was recorded",
          "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job missing = faxReported("sent", "", events, "2025-11-20T09:30:00+09:00");
    Object::Ptr ev = evidenceOf(missing, events);
    CHECK(str(ev, "providedAt") == "2025-11-20T09:30:00+09:00");
    CHECK(tier(ev) == "II");
    CHECK(str(ev->getArray("warnings")->getObject(0), "code") == "gateway_time_missing");

    // A gateway clock that says the fax went out before the job existed is not believed.
    std::vector<jobs::Event> early;
    jobs::Job wrong = faxReported("sent", "2025-11-19T08:00:00+09:00", early, "2025-11-20T09:30:00+09:00");
    ev = evidenceOf(wrong, early);
    CHECK(str(ev, "providedAt") == "2025-11-20T09:30:00+09:00");
    CHECK(tier(ev) == "II");
    CHECK(str(ev->getArray("warnings")->getObject(0), "code") == "gateway_time_implausible");
    // Nor one later than the moment the server read its report.
    std::vector<jobs::Event> late;
    jobs::Job ahead = faxReported("sent", "2025-11-25T08:00:00+09:00", late, "2025-11-19T15:00:00+09:00");
    CHECK(str(evidenceOf(ahead, late), "providedAt") == "2025-11-19T15:00:00+09:00");
}

TEST_CASE("Issue 15: a printed sheet without a delivered record is pending and supports nothing", "[app][evidence]") {
    for (jobs::JobState state : {jobs::JobState::Rendered, jobs::JobState::Spooled, jobs::JobState::Sent}) {
        jobs::Job j = job(jobs::Channel::Print, state);
        j.sentAt = state == jobs::JobState::Sent ? "2025-11-19T11:01:00+09:00" : "";  // printed, not handed over
        Object::Ptr ev = evidenceOf(j);
        CHECK(str(ev, "status") == "pending");
        CHECK(str(ev, "statusLabel") == "未送付");
        CHECK(str(ev->getObject("reason"), "code") == "not_delivered");
        CHECK(str(ev->getObject("reason"), "message") == "送付(手渡し・郵送)の記録がありません。");
        CHECK_FALSE(ev->has("providedAt"));
        CHECK(tier(ev) == "none");
        CHECK(ev->getObject("addOn")->getValue<int>("units") == 0);
        CHECK(str(ev->getObject("addOn")->getObject("reason"), "code") == "not_delivered");
        CHECK(str(ev->getObject("addOn"), "deadlineI") == "2025-11-19");  // what it must meet
        CHECK_FALSE(ev->has("progressRecord"));
        CHECK(str(ev, "month") == "2025-11");
        CHECK(str(ev, "monthBasis") == "created");
        CHECK(str(ev, "recipient") == "シートに書いた病院 医事課 南様");
    }
}

TEST_CASE("Issue 15: a delivered record gives the tier by its own time and names who took it", "[app][evidence]") {
    jobs::Job j = job(jobs::Channel::Print, jobs::JobState::Sent);
    std::vector<jobs::Event> events = {
        event("delivered", "2025-11-20T18:00:00+09:00",
              R"({"at":"2025-11-20T16:30:00+09:00","method":"in_person","person":"北野","note":"窓口で"})")};
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "status") == "delivered");
    CHECK(str(ev, "statusLabel") == "送付済(手渡し)");
    CHECK(str(ev, "basis") == "delivered_record");
    CHECK(str(ev, "providedAt") == "2025-11-20T16:30:00+09:00");
    CHECK(tier(ev) == "II");
    CHECK(str(ev, "recipient") == "シートに書いた病院 医事課 北野様");
    CHECK(str(ev->getObject("delivered"), "recordedBy") == "cm-haruno");
    CHECK(str(ev, "progressRecord") == "令和7年11月20日 16時30分 シートに書いた病院 医事課 北野様へ入院時情報提供シートを持参(面談)");

    // On the admission day: (I). Mailed and arrived two days later: (II); the first record counts.
    events = {event("delivered", "2025-11-19T18:00:00+09:00", R"({"at":"2025-11-19T17:00:00+09:00","method":"in_person","person":"北野"})"),
              event("delivered", "2025-11-21T18:00:00+09:00", R"({"at":"2025-11-21T10:00:00+09:00","method":"mail","person":"西"})")};
    CHECK(tier(evidenceOf(j, events)) == "I");
    events.erase(events.begin());
    ev = evidenceOf(j, events);
    CHECK(str(ev, "statusLabel") == "送付済(郵送)");
    CHECK(tier(ev) == "II");
}

TEST_CASE("Issue 15: under the pre-2018 rule the means is the recorded one, not the sheet's", "[app][evidence]") {
    // (I) before 2018-04 needed a hospital visit. The sheet claims in_person, but it went by fax.
    std::vector<jobs::Event> events;
    jobs::Job fax = faxReported("sent", "2017-05-10T15:00:00+09:00", events, "2017-05-10T15:00:05+09:00");
    fax.requestJson = admissionRequest("2017-05-10", "in_person");
    fax.createdAt = "2017-05-10T11:00:00+09:00";
    fax.createdAtUs = usOf(fax.createdAt);
    CHECK(tier(evidenceOf(fax, events)) == "II");

    jobs::Job print = job(jobs::Channel::Print, jobs::JobState::Sent, "2017-05-10T11:00:00+09:00");
    print.requestJson = admissionRequest("2017-05-10", "fax");
    std::vector<jobs::Event> delivered = {
        event("delivered", "2017-05-11T18:00:00+09:00", R"({"at":"2017-05-11T10:00:00+09:00","method":"in_person","person":"北野"})")};
    CHECK(tier(evidenceOf(print, delivered)) == "I");
}

TEST_CASE("Issue 15: a cancelled fax supports nothing and its line says it was cancelled", "[app][evidence]") {
    jobs::Job j = job(jobs::Channel::Fax, jobs::JobState::Cancelled);
    std::vector<jobs::Event> events = {event("held", "2025-11-19T11:00:00+09:00", "{}"),
                                       event("cancelled", "2025-11-19T11:02:00+09:00", "{}")};
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "status") == "cancelled");
    CHECK(str(ev, "statusLabel") == "取消");
    CHECK(tier(ev) == "none");
    CHECK(str(ev->getObject("addOn")->getObject("reason"), "code") == "cancelled");
    const std::string line = str(ev, "progressRecord");
    CHECK(line == "令和7年11月19日 11時02分 東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートのFAX送信を取消");
    CHECK_FALSE(contains(line, "をFAX送信"));
    CHECK(str(ev, "month") == "2025-11");
}

TEST_CASE("Issue 15: a failed fax supports nothing and its line says FAX送信失敗 with the reason", "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job j = faxReported("failed", "2025-11-19T15:12:10+09:00", events, "2025-11-19T15:12:11+09:00", "busy");
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "status") == "failed");
    CHECK(str(ev, "statusLabel") == "送信失敗");
    CHECK(tier(ev) == "none");
    CHECK(str(ev, "progressRecord") ==
          "令和7年11月19日 15時12分 東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートのFAX送信失敗(話中)");
    // A reason the gateway made up is not printed.
    std::vector<jobs::Event> odd;
    jobs::Job other = faxReported("failed", "2025-11-19T15:12:10+09:00", odd, "2025-11-19T15:12:11+09:00", "<script>");
    CHECK(contains(str(evidenceOf(other, odd), "progressRecord"), "FAX送信失敗"));
    CHECK_FALSE(contains(str(evidenceOf(other, odd), "progressRecord"), "script"));
}

TEST_CASE("Issue 15: a fax not yet confirmed by the gateway is pending", "[app][evidence]") {
    for (jobs::JobState state : {jobs::JobState::Held, jobs::JobState::Spooled}) {
        Object::Ptr ev = evidenceOf(job(jobs::Channel::Fax, state));
        CHECK(str(ev, "status") == "pending");
        CHECK(str(ev->getObject("reason"), "code") == "fax_not_confirmed");
        CHECK(tier(ev) == "none");
    }
}

TEST_CASE("Issue 15: the month is the month of provision, or of creation when nothing was provided", "[app][evidence]") {
    jobs::Job j = job(jobs::Channel::Print, jobs::JobState::Sent, "2025-11-30T23:30:00+09:00");
    CHECK(str(evidenceOf(j), "month") == "2025-11");
    std::vector<jobs::Event> events = {
        event("delivered", "2025-12-01T09:10:00+09:00", R"({"at":"2025-12-01T09:00:00+09:00","method":"in_person","person":"北野"})")};
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(str(ev, "month") == "2025-12");
    CHECK(str(ev, "monthBasis") == "provided");

    // A gateway time given in UTC is converted: 2025-11-30T15:30Z is 12-01 00:30 in Japan.
    std::vector<jobs::Event> fax;
    jobs::Job utc = faxReported("sent", "2025-11-30T15:30:00Z", fax, "2025-12-01T00:30:05+09:00");
    utc.createdAt = "2025-11-30T23:50:00+09:00";
    utc.createdAtUs = usOf(utc.createdAt);
    CHECK(str(evidenceOf(utc, fax), "month") == "2025-12");
}

TEST_CASE("Issue 15: a discharge sheet belongs to the month of its latest counted interview", "[app][evidence]") {
    jobs::Job j = job(jobs::Channel::Print, jobs::JobState::Sent, "2026-01-09T10:00:00+09:00");
    j.sheetId = "discharge-liaison";
    j.requestJson = R"({"sheet":"discharge-liaison","fields":{"recipient_institution":"旭川あかしあ台病院",)"
                    R"("actual_discharge_date":"2025-12-10","interviews":[)"
                    R"({"date":"2025-11-28","conference":"no"},{"date":"2025-12-03","conference":"yes"},)"
                    R"({"date":"2025-12-30","conference":"no"}]}})";
    Object::Ptr ev = evidenceOf(j);
    CHECK(str(ev, "status") == "recorded");
    CHECK(str(ev, "basis") == "discharge_interviews");
    CHECK(str(ev, "providedAt") == "2025-12-03");  // 12-30 is past discharge + 7 days: not counted
    CHECK(str(ev, "month") == "2025-12");
    CHECK(tier(ev) == "II-ro");

    j.state = jobs::JobState::Cancelled;
    ev = evidenceOf(j);
    CHECK(str(ev, "status") == "cancelled");
    CHECK(tier(ev) == "none");
    CHECK(ev->getObject("addOn")->getValue<int>("units") == 0);
    CHECK(str(ev, "month") == "2026-01");

    j.state = jobs::JobState::Sent;
    j.requestJson = R"({"sheet":"discharge-liaison","fields":{"recipient_institution":"旭川あかしあ台病院"}})";
    ev = evidenceOf(j);
    CHECK(str(ev, "status") == "pending");
    CHECK(str(ev->getObject("reason"), "code") == "no_interviews");
    CHECK(str(ev, "month") == "2026-01");
}

TEST_CASE("Issue 15: every receipt confirmation is kept, the line uses the first and mentions the latest",
          "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job j = faxReported("sent", "2025-11-19T15:11:00+09:00", events, "2025-11-19T15:11:01+09:00");
    events.push_back(event("receipt_confirmed", "2025-11-19T15:21:00+09:00",
                           R"({"at":"2025-11-19T15:20:00+09:00","person":"佐藤","method":"phone"})"));
    events.push_back(event("receipt_confirmed", "2025-11-20T09:01:00+09:00",
                           R"({"at":"2025-11-20T09:00:00+09:00","person":"北野","method":"phone"})"));
    const app::JobHistory h = app::historyOf(j, events);
    REQUIRE(h.receipts.size() == 2);
    CHECK(h.receipts[0].person == "佐藤");
    CHECK(h.receipts[1].person == "北野");
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(ev->getArray("receipts")->size() == 2);
    CHECK(str(ev, "progressRecord") ==
          "令和7年11月19日 15時11分 東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートをFAX送信(全3枚)、"
          "15時20分 電話にて受信確認(佐藤様)、令和7年11月20日 9時00分 再度電話にて受信確認(北野様)");

    // A confirmation before the gateway's send time is not put on the line.
    events.push_back(event("receipt_confirmed", "2025-11-19T15:00:00+09:00",
                           R"({"at":"2025-11-19T15:00:00+09:00","person":"早川","method":"phone"})"));
    ev = evidenceOf(j, events);
    CHECK_FALSE(contains(str(ev, "progressRecord"), "早川"));
    CHECK(str(ev->getArray("warnings")->getObject(0), "code") == "receipt_before_provided");

    // A job stored before receipts were events: its receipt column is the one receipt.
    jobs::Job old = j;
    old.receiptJson = R"({"at":"2025-11-19T15:20:00+09:00","person":"佐藤","method":"phone"})";
    std::vector<jobs::Event> noReceipts(events.begin(), events.begin() + 1);
    REQUIRE(app::historyOf(old, noReceipts).receipts.size() == 1);
    CHECK(contains(str(evidenceOf(old, noReceipts), "progressRecord"), "受信確認(佐藤様)"));
}

TEST_CASE("Issue 15: a delivered record is checked field by field", "[app][evidence]") {
    const jobs::Job j = job(jobs::Channel::Print, jobs::JobState::Sent, "2025-11-19T11:00:30+09:00");
    const long long now = usOf("2025-11-21T12:00:00+09:00");
    auto body = [](const std::string& json) { return Poco::JSON::Parser().parse(json).extract<Object::Ptr>(); };
    auto fields = [&](const std::string& json) {
        std::vector<std::string> names;
        auto r = app::deliveredDetail(body(json), j, now);
        if (!r)
            for (const auto& e : r.status().fieldErrors()) names.push_back(e.field + ":" + e.code);
        return names;
    };
    auto ok = app::deliveredDetail(body(R"({"at":"2025-11-20T07:30:00Z","method":"mail","person":"北野","note":"簡易書留"})"), j, now);
    REQUIRE(ok);
    CHECK(ok.value() == R"({"at":"2025-11-20T16:30:00+09:00","method":"mail","person":"北野","note":"簡易書留"})");
    // The minute the job was created is allowed; 5 minutes ahead of the clock too.
    CHECK(fields(R"({"at":"2025-11-19T11:00+09:00","method":"in_person","person":"北野"})").empty());
    CHECK(fields(R"({"at":"2025-11-21T12:05:00+09:00","method":"in_person","person":"北野"})").empty());

    CHECK(fields(R"({"at":"2025-11-21T12:06:00+09:00","method":"in_person","person":"北野"})") ==
          std::vector<std::string>{"at:in_future"});
    CHECK(fields(R"({"at":"2025-11-19T10:59:00+09:00","method":"in_person","person":"北野"})") ==
          std::vector<std::string>{"at:before_created"});
    CHECK(fields(R"({"at":"2025-11-20T16:30:00","method":"in_person","person":"北野"})") ==
          std::vector<std::string>{"at:invalid_datetime"});
    CHECK(fields(R"({"extra":1,"at":12,"method":"pigeon","person":"","note":"a\nb"})") ==
          std::vector<std::string>{"extra:unknown_field", "at:wrong_type", "method:invalid_option", "person:required",
                                   "note:invalid_characters"});
    CHECK(fields(R"({})") == std::vector<std::string>{"at:required", "method:required", "person:required"});
    CHECK(fields(R"({"at":"2025-11-20T16:30:00+09:00","method":"mail","person":")" + std::string(41 * 3, 'a') +
                 R"(","note":")" + std::string(201, 'x') + "\"}") ==
          std::vector<std::string>{"person:too_long", "note:too_long"});
    CHECK(fields(R"({"at":"2025-11-20T16:30:00+09:00","method":"mail","person":"　 "})") ==
          std::vector<std::string>{"person:required"});
}

TEST_CASE("Issue 15: only a printed, rendered, not yet delivered job takes a delivered record", "[app][evidence]") {
    auto refusal = [](const jobs::Job& j, const std::vector<jobs::Event>& events = {}) {
        auto r = app::deliveredRefusal(j, app::historyOf(j, events));
        return r ? r->code : std::string();
    };
    CHECK(refusal(job(jobs::Channel::Fax, jobs::JobState::Sent)) == "fax_job");
    CHECK(refusal(job(jobs::Channel::Fax, jobs::JobState::Cancelled)) == "job_cancelled");
    CHECK(refusal(job(jobs::Channel::Print, jobs::JobState::Failed)) == "job_failed");
    CHECK(refusal(job(jobs::Channel::Print, jobs::JobState::Accepted)) == "not_rendered");
    CHECK(refusal(job(jobs::Channel::Print, jobs::JobState::Rendered)).empty());
    CHECK(refusal(job(jobs::Channel::Print, jobs::JobState::Sent)).empty());
    CHECK(refusal(job(jobs::Channel::Print, jobs::JobState::Sent),
                  {event("delivered", "2025-11-20T18:00:00+09:00",
                         R"({"at":"2025-11-20T16:30:00+09:00","method":"in_person","person":"北野"})")}) ==
          "already_delivered");
}

TEST_CASE("Issue 15: the month report reads the jobs created in a bounded window around the month", "[app][evidence]") {
    const app::EvidenceWindow w = app::evidenceWindowFor({2025, 12, 1});
    CHECK(w.fromUs == usOf("2025-12-01T00:00:00+09:00") - 93LL * 86400 * 1000000);
    CHECK(w.monthEndUs == usOf("2026-01-01T00:00:00+09:00"));
    CHECK(w.toUs == usOf("2026-01-01T00:00:00+09:00") + 93LL * 86400 * 1000000);
    const app::EvidenceWindow december = app::evidenceWindowFor({2999, 12, 1});
    CHECK(december.monthEndUs == usOf("3000-01-01T00:00:00+09:00"));
}

TEST_CASE("Issue 15: the CSV shows recipients' names and Japanese states", "[app][evidence]") {
    std::vector<jobs::Event> sentEvents;
    jobs::Job sent = faxReported("sent", "2025-11-19T15:11:42+09:00", sentEvents, "2025-11-19T15:11:43+09:00");
    jobs::Job pending = job(jobs::Channel::Print, jobs::JobState::Sent);
    Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
    for (const auto& [j, events] : std::vector<std::pair<jobs::Job, std::vector<jobs::Event>>>{{sent, sentEvents}, {pending, {}}}) {
        Object::Ptr row = new Object;
        row->set("id", j.id);
        row->set("evidence", evidenceOf(j, events));
        rows->add(row);
    }
    const std::string csv = app::evidenceCsv(rows);
    CHECK(contains(csv, "東光しらかば記念病院 地域医療連携室 北野 美咲様"));
    CHECK_FALSE(contains(csv, "toko-shirakaba"));
    CHECK(contains(csv, ",送信済,"));
    CHECK(contains(csv, ",未送付,"));
    CHECK(contains(csv, "送付(手渡し・郵送)の記録がありません。"));
    CHECK(contains(csv, "#1 入院時情報提供シート(admission-info)"));
    CHECK(contains(csv, "/api/v1/jobs/" + sent.id + "/document?format=pdf"));
    CHECK(contains(csv, "令和7年11月19日 15時10分"));  // the sheet's claim, in its own column
}

TEST_CASE("Issue 18: a reply received back by fax ends the line, and sheets 3 and 4 say it came from the physician",
          "[app][evidence]") {
    std::vector<jobs::Event> events;
    jobs::Job j = faxReported("sent", "2025-11-19T15:11:00+09:00", events, "2025-11-19T15:11:01+09:00");
    const std::string sentLine =
        "令和7年11月19日 15時11分 東光しらかば記念病院 地域医療連携室 北野 美咲様へ入院時情報提供シートをFAX送信(全3枚)";
    // Replies as the inbound reader records them (later one first, as a person may assign an older page later).
    events.push_back(event("reply_received", "2025-11-21T10:03:00+09:00",
                           R"({"receivedAt":"2025-11-21T10:02:13+09:00","sender":"0166001235","pages":[]})"));
    events.push_back(event("reply_received", "2025-11-21T10:05:00+09:00",
                           R"({"receivedAt":"2025-11-20T16:05:00+09:00","sender":"0166001235","pages":[]})"));
    const app::JobHistory h = app::historyOf(j, events);
    REQUIRE(h.replies.size() == 2);
    CHECK(h.replies[0].sender == "0166001235");
    Object::Ptr ev = evidenceOf(j, events);
    CHECK(ev->getArray("replies")->size() == 2);
    // Not a physician's sheet: the earliest reply, on another day than the sending, without 主治医.
    CHECK(str(ev, "progressRecord") == sentLine + "、令和7年11月20日 16時05分 返信受信");
    CHECK(str(ev, "status") == "sent");  // a reply is not evidence of the sending itself

    // After a receipt confirmation on the same day as the reply: the date is not repeated.
    events.push_back(event("receipt_confirmed", "2025-11-20T09:01:00+09:00",
                           R"({"at":"2025-11-20T09:00:00+09:00","person":"北野","method":"phone"})"));
    CHECK(str(evidenceOf(j, events), "progressRecord") ==
          sentLine + "、令和7年11月20日 9時00分 電話にて受信確認(北野様)、16時05分 返信受信");

    // Sheet 3 (主治医とケアマネジャーの連絡票): 主治医より返信受信.
    jobs::Job physician = j;
    physician.sheetId = "physician-contact";
    physician.requestJson = R"({"sheet":"physician-contact","fields":{}})";
    const std::string line = str(evidenceOf(physician, events), "progressRecord");
    CHECK(contains(line, "16時05分 主治医より返信受信"));
    CHECK_FALSE(contains(line, "入院時情報提供シート"));

    // A reply dated before the sending is left off the line, with a warning; no reply, no mention.
    std::vector<jobs::Event> early;
    jobs::Job k = faxReported("sent", "2025-11-19T15:11:00+09:00", early, "2025-11-19T15:11:01+09:00");
    early.push_back(event("reply_received", "2025-11-19T15:30:00+09:00",
                          R"({"receivedAt":"2025-11-18T09:00:00+09:00","sender":"","pages":[]})"));
    ev = evidenceOf(k, early);
    CHECK(str(ev, "progressRecord") == sentLine);
    CHECK(str(ev->getArray("warnings")->getObject(0), "code") == "reply_before_provided");
    CHECK(str(evidenceOf(k, {early.front()}), "progressRecord") == sentLine);
    // A cancelled job's line never mentions a reply.
    jobs::Job cancelled = job(jobs::Channel::Fax, jobs::JobState::Cancelled);
    std::vector<jobs::Event> c = {event("cancelled", "2025-11-19T15:05:00+09:00", "{}"),
                                  event("reply_received", "2025-11-21T10:03:00+09:00",
                                        R"({"receivedAt":"2025-11-21T10:02:13+09:00","sender":"","pages":[]})")};
    CHECK_FALSE(contains(str(evidenceOf(cancelled, c), "progressRecord"), "返信受信"));
}
