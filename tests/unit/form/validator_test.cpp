#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "form/sheet_template.h"
#include "form/validator.h"
#include "test_sheet.h"

using namespace form;

namespace {

const SheetTemplate& sheet() {
    static SheetTemplate t = parseTemplate(kTestSheetJson, "test").value();
    return t;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

const std::string kMinimal = R"("doc_date":"2025-11-20","pt_name":"旭川 花子","pt_sex":"female")";

// The single error code reported for `fields`, or "" when valid.
std::string errorFor(const std::string& extra, const std::string& field) {
    auto r = validateFields(sheet(), json("{" + kMinimal + (extra.empty() ? "" : "," + extra) + "}"));
    if (r) return "";
    for (const auto& e : r.status().fieldErrors())
        if (e.field == field) return e.code;
    return "(other: " + r.status().fieldErrors().at(0).field + " " + r.status().fieldErrors().at(0).code + ")";
}

}  // namespace

TEST_CASE("A minimal valid submission passes and gets its derived fields", "[validator]") {
    auto r = validateFields(sheet(), json("{" + kMinimal + R"(,"pt_birth_date":"1940-03-02","pt_address":"北海道旭川市7条通99丁目"})"));
    REQUIRE(r);
    CHECK(r->text("pt_age") == "85");
    CHECK(r->text("pt_municipality") == "旭川市");
    CHECK(r->text("pt_sex") == "female");
}

TEST_CASE("Every problem is reported at once, each with its field", "[validator]") {
    auto r = validateFields(sheet(), json(R"({"pt_sex":"other","floors":"3","zzz":1})"));
    REQUIRE_FALSE(r);
    std::map<std::string, std::string> codes;
    for (const auto& e : r.status().fieldErrors()) {
        codes[e.field] = e.code;
        CHECK_FALSE(e.message.empty());
    }
    CHECK(codes["fields.pt_sex"] == "invalid_option");
    CHECK(codes["fields.floors"] == "wrong_type");
    CHECK(codes["fields.zzz"] == "unknown_field");
    CHECK(codes["fields.doc_date"] == "required");
    CHECK(codes["fields.pt_name"] == "required");
}

TEST_CASE("Validation table: good and bad values side by side", "[validator]") {
    struct Row {
        const char* extra;
        const char* field;
        const char* code;
    };
    const Row rows[] = {
        {R"("pt_birth_date":"1940-03-02")", "", ""},
        {R"("pt_birth_date":"2025-02-30")", "fields.pt_birth_date", "invalid_date"},
        {R"("pt_birth_date":"1872-12-31")", "fields.pt_birth_date", "out_of_range"},
        {R"("pt_birth_date":19400302)", "fields.pt_birth_date", "wrong_type"},
        {R"("floors":2)", "", ""},
        {R"("floors":0)", "fields.floors", "out_of_range"},
        {R"("floors":2.5)", "fields.floors", "wrong_type"},
        {R"("pt_kana":"アサヒカワ ハナコ")", "", ""},
        {R"("pt_kana":"あさひかわ")", "fields.pt_kana", "invalid_charset"},
        {R"("aids":["cane"])", "", ""},
        {R"("aids":["none","cane"])", "fields.aids", "exclusive_option"},
        {R"("aids":["cane","cane"])", "fields.aids[1]", "duplicate_option"},
        {R"("aids":["jet"])", "fields.aids[0]", "invalid_option"},
        {R"("aids":"cane")", "fields.aids", "wrong_type"},
        {R"("aids":["other"],"aids_note":"シルバーカー")", "", ""},
        {R"("aids":["cane"],"aids_note":"シルバーカー")", "fields.aids_note", "note_without_option"},
        {R"("grades":["physical"],"grades_physical_grade":2)", "", ""},
        {R"("grades":["physical"],"grades_physical_grade":9)", "fields.grades_physical_grade", "out_of_range"},
        {R"("alone":true)", "", ""},
        {R"("alone":"yes")", "fields.alone", "wrong_type"},
        {R"("send_method":"fax")", "fields.recipient_fax", "required"},
        {R"("send_method":"fax","recipient_fax":"0166-00-1234")", "", ""},
        {R"("send_method":"mail","recipient_fax":"12345")", "fields.recipient_fax", "invalid_phone"},
        {R"("admitted_at":"14:30")", "", ""},
        {R"("admitted_at":"25:00")", "fields.admitted_at", "invalid_time"},
        {R"("sent_at":"2025-11-20T15:10:00+09:00")", "", ""},
        {R"("sent_at":"2025-11-20 15:10")", "fields.sent_at", "invalid_datetime"},
        {R"("pt_age":80)", "fields.pt_age", "read_only"},
        {R"("memo":"一行目\n二行目\tタブ")", "", ""},
        {R"("memo":"ベル\u0007")", "fields.memo", "invalid_characters"},
        {R"("visits":[{"date":"2025-11-18","conference":"yes"}])", "", ""},
        {R"("visits":[{"date":"2025-11-18"}])", "fields.visits[0].conference", "required"},
        {R"("visits":[{"date":"2025-11-18","conference":"yes","x":1}])", "fields.visits[0].x", "unknown_field"},
        {R"("visits":[{"date":"2025-11-18","conference":"no"},{"date":"2025-11-19","conference":"no"},{"date":"2025-11-20","conference":"no"}])",
         "fields.visits", "too_many_rows"},
        {R"("pt_address":null)", "", ""},
        {R"("household":"with_child","household_size":3)", "", ""},
        {R"("household":"with_child")", "fields.household_size", "required"},
        {R"("household":"alone")", "", ""},
        {R"("consent":true)", "", ""},
        {R"("consent":false)", "fields.consent", "must_be_true"},
        {R"("level":"kaigo1")", "", ""},
        {R"("level":"kaigo2")", "fields.level", "option_not_allowed"},
        {R"("level":"kaigo2","aids":["other"])", "", ""},
    };
    for (const auto& row : rows) {
        INFO(row.extra);
        CHECK(errorFor(row.extra, row.field) == row.code);
    }
}

TEST_CASE("Text over its hard cap is refused, text over its box is accepted", "[validator]") {
    std::string sixty(60 * 3, 'x');  // 60 three-byte characters
    std::string longName;
    for (int i = 0; i < 60; ++i) longName += "髙";
    CHECK(errorFor("", "") == "");
    auto ok = validateFields(sheet(), json(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":")" + longName + "\"}"));
    CHECK(ok);
    std::string tooLong;
    for (int i = 0; i < 101; ++i) tooLong += "あ";
    auto bad = validateFields(sheet(), json(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":")" + tooLong + "\"}"));
    REQUIRE_FALSE(bad);
    CHECK(bad.status().fieldErrors().at(0).code == "too_long");
}

TEST_CASE("Invalid UTF-8 in a value is named, not crashed on", "[validator]") {
    Poco::JSON::Object::Ptr fields = json("{" + kMinimal + "}");
    fields->set("memo", std::string("abc\xff\xfe"));
    auto r = validateFields(sheet(), fields);
    REQUIRE_FALSE(r);
    CHECK(r.status().fieldErrors().at(0).field == "fields.memo");
    CHECK(r.status().fieldErrors().at(0).code == "invalid_utf8");
}

TEST_CASE("Municipality and kana initials are derived from the address and the reading", "[validator]") {
    CHECK(municipalityOf("北海道旭川市7条通99丁目") == "旭川市");
    CHECK(municipalityOf("北海道上川郡東神楽町北1条東1丁目") == "東神楽町");
    CHECK(municipalityOf("北海道札幌市中央区北1条西2丁目") == "札幌市");
    CHECK(municipalityOf("長野県松本市丸の内") == "松本市");
    CHECK(municipalityOf("") == "");
    CHECK(kanaInitials("アサヒカワ ハナコ") == "ア・ハ");
    CHECK(partialMask("旭川 太郎") == "旭● 太●");
    CHECK(partialMask("髙橋𠮷子") == "髙●𠮷●");
    CHECK(kanaInitials("アサヒカワ　ハナコ") == "ア・ハ");
}
