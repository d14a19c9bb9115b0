#include <catch2/catch.hpp>

#include "evidence/progress_record.h"

using namespace evidence;
using form::DateTime;

namespace {

DateTime at(const char* iso) { return *form::parseIsoDateTimeJst(iso); }

// The rules.md §2.1 example: an admission sheet faxed to a hospital's coordination desk.
ProgressRecordEntry faxedSheet() {
    ProgressRecordEntry e;
    e.sentAt = at("2025-04-01T15:10:00+09:00");
    e.recipientInstitution = "○○病院";
    e.recipientDepartment = "地域連携室";
    e.recipientPerson = "○○";
    e.sheetTitle = "入院時情報提供シート";
    e.sendMethod = SendMethod::Fax;
    e.pageCount = 3;
    return e;
}

std::string line(const ProgressRecordEntry& e) {
    auto r = progressRecordLine(e);
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("The progress record line matches the rules.md example", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-01T15:20:00+09:00"), "", SendMethod::Phone};
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "15時20分 電話にて受信確認");
}

TEST_CASE("The person who confirmed receipt is named with 様", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-01T15:20:00+09:00"), "佐藤", SendMethod::Phone};
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "15時20分 電話にて受信確認(佐藤様)");
}

TEST_CASE("Without a person there is no 様 and without a department it is skipped", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.recipientPerson = "";
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室へ入院時情報提供シートをFAX送信(全3枚)");
    e.recipientDepartment = "  ";
    e.recipientPerson = "田中";
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 田中様へ入院時情報提供シートをFAX送信(全3枚)");
    e.recipientPerson = "田中様";
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 田中様へ入院時情報提供シートをFAX送信(全3枚)");
}

TEST_CASE("Without a page count no sheet count is printed", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.pageCount.reset();
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信");
}

TEST_CASE("A confirmation on another day prints its full date", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-02T09:05:00+09:00"), "佐藤", SendMethod::Phone};
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "令和7年4月2日 9時05分 電話にて受信確認(佐藤様)");
}

TEST_CASE("Dates in the line change era at the Heisei-Reiwa boundary", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.sentAt = at("2019-04-30T17:45:00+09:00");
    e.confirmation = ReceiptConfirmation{at("2019-05-01T10:00:00+09:00"), "", SendMethod::Phone};
    CHECK(line(e) == "平成31年4月30日 17時45分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "令和元年5月1日 10時00分 電話にて受信確認");
    e.sentAt = at("2019-04-30T15:00:00Z");  // 2019-05-01 00:00 in Japan
    e.confirmation.reset();
    CHECK(line(e).rfind("令和元年5月1日 0時00分 ", 0) == 0);
}

TEST_CASE("Each send method reads as natural Japanese", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.pageCount.reset();
    const std::string head = "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シート";
    const std::pair<SendMethod, const char*> cases[] = {
        {SendMethod::Fax, "をFAX送信"},
        {SendMethod::Mail, "を郵送"},
        {SendMethod::InPerson, "を持参(面談)"},
        {SendMethod::Email, "を電子メールで送信"},
        {SendMethod::Print, "を印刷し送付"},
        {SendMethod::Phone, "の内容を電話で伝達"},
        {SendMethod::Video, "の内容をテレビ電話等で伝達"},
        {SendMethod::Other, "を送付"},
    };
    for (const auto& [method, phrase] : cases) {
        e.sendMethod = method;
        CHECK(line(e) == head + phrase);
    }
}

TEST_CASE("A confirmation by another means names that means", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-01T16:00:00+09:00"), "", SendMethod::Email};
    CHECK(line(e).substr(line(e).rfind("、")) == "、16時00分 電子メールにて受信確認");
}

TEST_CASE("A bad entry is rejected listing every problem", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.recipientInstitution = " ";
    e.sheetTitle = "";
    e.pageCount = 0;
    e.confirmation = ReceiptConfirmation{at("2025-04-01T15:00:00+09:00"), "", SendMethod::Phone};
    auto r = progressRecordLine(e);
    REQUIRE_FALSE(r);
    CHECK(r.status().code() == common::Status::Code::InvalidArgument);
    std::vector<std::string> fields;
    for (const auto& fe : r.status().fieldErrors()) fields.push_back(fe.field);
    CHECK(fields == std::vector<std::string>{"recipient_institution", "sheet_title", "page_count", "confirmation.at"});
}

TEST_CASE("Issue 15: a cancelled or failed sending says so and never 「FAX送信」", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-01T15:20:00+09:00"), "佐藤", SendMethod::Phone};
    e.outcome = SendOutcome::Cancelled;
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートのFAX送信を取消");
    e.outcome = SendOutcome::Failed;
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートのFAX送信失敗");
    e.failureReason = "話中";
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートのFAX送信失敗(話中)");
    e.sendMethod = SendMethod::Print;
    e.failureReason.clear();
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートの印刷失敗");
}

TEST_CASE("Issue 15: a later receipt confirmation is mentioned after the first", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.confirmation = ReceiptConfirmation{at("2025-04-01T15:20:00+09:00"), "佐藤", SendMethod::Phone};
    e.laterConfirmation = ReceiptConfirmation{at("2025-04-01T16:00:00+09:00"), "", SendMethod::Fax};
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "15時20分 電話にて受信確認(佐藤様)、16時00分 再度FAXにて受信確認");
    e.laterConfirmation->at = at("2025-04-01T15:00:00+09:00");
    auto r = progressRecordLine(e);
    REQUIRE_FALSE(r);
    CHECK(r.status().fieldErrors().at(0).field == "later_confirmation.at");
}

TEST_CASE("Issue 18: a reply received back ends the line, with its date only on another day", "[evidence][progress]") {
    ProgressRecordEntry e = faxedSheet();
    e.replyReceivedAt = at("2025-04-01T16:05:00+09:00");
    e.replyFrom = "主治医";
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "16時05分 主治医より返信受信");
    e.replyFrom.clear();
    e.replyReceivedAt = at("2025-04-03T09:30:00+09:00");
    CHECK(line(e) == "令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、"
                     "令和7年4月3日 9時30分 返信受信");
    e.replyReceivedAt = at("2025-04-01T15:00:00+09:00");
    auto refused = progressRecordLine(e);
    REQUIRE_FALSE(refused);
    CHECK(refused.status().fieldErrors().at(0).field == "reply_received_at");
    e.outcome = SendOutcome::Cancelled;
    e.replyReceivedAt = at("2025-04-02T09:30:00+09:00");
    CHECK(line(e).find("返信受信") == std::string::npos);
}
