#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "form/sheet_template.h"
#include "form/validator.h"
#include "test_sheet.h"
#include "test_support.h"

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

namespace {

struct Case {
    const char* extra;
    const char* field;
    const char* code;
};

// The errors of a submission, by field path: {code, message}.
std::map<std::string, std::pair<std::string, std::string>> errorsOf(const Poco::JSON::Object::Ptr& fields) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    auto r = validateFields(sheet(), fields);
    if (!r) for (const auto& e : r.status().fieldErrors()) out[e.field] = {e.code, e.message};
    return out;
}

}  // namespace

TEST_CASE("Issue 13: a character XML or the fonts cannot carry is a 422 naming the field and the code point",
          "[validator][issue13]") {
    // JSON escapes, as a client sends them; Poco decodes each to one code point.
    const std::pair<const char*, const char*> bad[] = {
        {R"(\u0000)", "U+0000"}, {R"(\u0007)", "U+0007"}, {R"(\u000b)", "U+000B"}, {R"(\u000c)", "U+000C"},
        {R"(\u001b)", "U+001B"}, {R"(\u007f)", "U+007F"}, {R"(\u0085)", "U+0085"}, {R"(\u009f)", "U+009F"},
        {R"(\ufffe)", "U+FFFE"}, {R"(\uffff)", "U+FFFF"}, {R"(\ufdd0)", "U+FDD0"}, {R"(\ufdef)", "U+FDEF"},
        {R"(\ud83f\udffe)", "U+1FFFE"}, {R"(\ud87f\udfff)", "U+2FFFF"}, {R"(\udbff\udfff)", "U+10FFFF"},
    };
    // Every kind of string a sheet holds: text, mtext, a note, a table cell.
    const std::pair<const char*, const char*> places[] = {
        {R"("pt_name":"旭川%s花子")", "fields.pt_name"},
        {R"("memo":"一行目%s")", "fields.memo"},
        {R"("aids":["other"],"aids_note":"%sシルバーカー")", "fields.aids_note"},
        {R"("visits":[{"date":"2025-11-18","conference":"no","note":"電話%s"}])", "fields.visits[0].note"},
        {R"("admitted_at":"14:30%s")", "fields.admitted_at"},
    };
    for (const auto& [escape, name] : bad) {
        for (const auto& [pattern, path] : places) {
            std::string extra = pattern;
            extra.replace(extra.find("%s"), 2, escape);
            INFO(extra);
            std::string body = "{" + std::string(R"("doc_date":"2025-11-20","pt_sex":"female")") +
                               (std::string(path) == "fields.pt_name" ? "" : R"(,"pt_name":"旭川 花子")") + "," + extra + "}";
            auto errors = errorsOf(json(body));
            REQUIRE(errors.count(path) == 1);
            CHECK(errors[path].first == "invalid_characters");
            CHECK(errors[path].second.find(name) != std::string::npos);
            CHECK(errors[path].second.find("」に使用できない") != std::string::npos);
        }
    }
}

TEST_CASE("Issue 13: a surrogate encoded in UTF-8 is refused with its field, not passed on", "[validator][issue13]") {
    // Poco's JSON parser refuses an unpaired \ud800 escape outright (the body
    // is malformed JSON); bytes of a surrogate can only come from elsewhere.
    for (const char* bytes : {"\xED\xA0\x80", "\xED\xBF\xBF"}) {
        Poco::JSON::Object::Ptr fields = json("{" + kMinimal + "}");
        fields->set("memo", std::string("前") + bytes + "後");
        auto errors = errorsOf(fields);
        REQUIRE(errors.count("fields.memo") == 1);
        CHECK(errors["fields.memo"].first == "invalid_utf8");
    }
}

TEST_CASE("Issue 13: CRLF and CR in multi-line text are stored as LF and a tab as a space", "[validator][issue13]") {
    auto r = validateFields(sheet(), json("{" + kMinimal + R"(,"memo":"一行目\r\n二行目\r三行目\n\tタブ",)"
                                          R"("pt_address":"北海道旭川市\t7条通"})"));
    REQUIRE(r);
    CHECK(r->text("memo") == "一行目\n二行目\n三行目\n タブ");
    CHECK(r->text("pt_address") == "北海道旭川市 7条通");
    CHECK(r->text("pt_municipality") == "旭川市");
}

TEST_CASE("Issue 13: a line break in single-line text is refused with the field", "[validator][issue13]") {
    const Case rows[] = {
        {R"("pt_address":"北海道\n旭川市")", "fields.pt_address", "line_break"},
        {R"("pt_address":"北海道\r\n旭川市")", "fields.pt_address", "line_break"},
        {R"("pt_address":"北海道\r旭川市")", "fields.pt_address", "line_break"},
        {R"("recipient_fax":"0166-00-1234\n")", "fields.recipient_fax", "line_break"},
        {R"("visits":[{"date":"2025-11-18","conference":"no","note":"一\n二"}])", "fields.visits[0].note", "line_break"},
        {R"("memo":"一\n二")", "", ""},
    };
    for (const auto& row : rows) {
        INFO(row.extra);
        CHECK(errorFor(row.extra, row.field) == row.code);
    }
}

TEST_CASE("Issue 13: a required field of nothing but spaces is missing", "[validator][issue13]") {
    for (const char* blank : {" ", "   ", "\u3000", " \u3000 ", "\t", "\u3000\n"}) {
        INFO(blank);
        auto fields = json(R"({"doc_date":"2025-11-20","pt_sex":"female"})");
        fields->set("pt_name", std::string(blank));
        auto errors = errorsOf(fields);
        REQUIRE(errors.count("fields.pt_name") == 1);
        CHECK(errors["fields.pt_name"].first == "required");
    }
    // Optional fields and table cells holding only spaces are simply not filled in.
    auto r = validateFields(sheet(), json("{" + kMinimal + R"(,"pt_address":"　　","visits":[{"date":"2025-11-18","conference":"no","note":" "}]})"));
    REQUIRE(r);
    CHECK_FALSE(r->has("pt_address"));
    CHECK(r->get("visits")->rows.at(0).count("note") == 0);
    CHECK(errorFor(R"("visits":[{"date":"　","conference":"no"}])", "fields.visits[0].date") == "required");
}

TEST_CASE("Issue 13: a number of fixed length has exactly its digits", "[validator][issue13]") {
    const Case rows[] = {
        {R"("insured_no":"0000012345")", "", ""},
        {R"("insured_no":"000012345")", "fields.insured_no", "wrong_digit_count"},
        {R"("insured_no":"00000123456")", "fields.insured_no", "wrong_digit_count"},
        {R"("insured_no":"000001234a")", "fields.insured_no", "invalid_charset"},
        {R"("insured_no":"０００００１２３４５")", "fields.insured_no", "invalid_charset"},
    };
    for (const auto& row : rows) {
        INFO(row.extra);
        CHECK(errorFor(row.extra, row.field) == row.code);
    }
    auto r = validateFields(sheet(), json("{" + kMinimal + R"(,"insured_no":"123"})"));
    REQUIRE_FALSE(r);
    CHECK(r.status().fieldErrors().at(0).message == "「被保険者番号」は半角数字10桁で入力してください(現在3桁)。");
}

TEST_CASE("Issue 13: the real templates fix the lengths of insurance and office numbers", "[validator][issue13]") {
    auto t = loadTemplate(testing_support::sourcePath("templates/admission-info/template.json"));
    REQUIRE(t);
    auto r = validateFields(*t, json(R"({"pt_insured_no":"123456789","pt_insurer_no":"0199999","sender_office_no":"017000099"})"));
    REQUIRE_FALSE(r);
    std::map<std::string, std::string> codes;
    for (const auto& e : r.status().fieldErrors()) codes[e.field] = e.code;
    CHECK(codes["fields.pt_insured_no"] == "wrong_digit_count");
    CHECK(codes["fields.pt_insurer_no"] == "wrong_digit_count");
    CHECK(codes["fields.sender_office_no"] == "wrong_digit_count");
    CHECK(validateFields(*t, json(R"({"pt_insured_no":"0000012345","pt_insurer_no":"019999","sender_office_no":"0170000999"})"))
              .status().fieldErrors().size() == codes.size() - 3);  // the rest are required fields left out
}

TEST_CASE("Issue 13: marks are composed with their base, variation sequences kept and counted once",
          "[validator][issue13]") {
    auto r = validateFields(sheet(), json("{" + kMinimal + R"(,"pt_kana":"カ\u3099ッコウ","memo":"か\u309Aと葛\udb40\udd00飾")"
                                          R"(,"pt_address":"e\u0301\uf929"})"));
    REQUIRE(r);
    CHECK(r->text("pt_kana") == "ガッコウ");                        // passes the katakana charset once composed
    CHECK(errorFor(R"("pt_kana":"カ\u309Aムイ")", "fields.pt_kana") == "");   // no precomposed カ゚, still katakana
    CHECK(r->text("memo") == "か\u309Aと葛\U000E0100飾");            // no precomposed か゚; the IVS stays
    CHECK(r->text("pt_address") == "\u00E9\uF929");                  // the compatibility ideograph stays as sent
    std::string name;
    for (int i = 0; i < 100; ++i) name += "葛\U000E0100";
    auto fields = json(R"({"doc_date":"2025-11-20","pt_sex":"male"})");
    fields->set("pt_name", name);
    CHECK(validateFields(sheet(), fields));  // 100 characters, 200 code points
    fields->set("pt_name", name + "葛");
    CHECK_FALSE(validateFields(sheet(), fields));
}

TEST_CASE("Issue 13: masking keeps a variation sequence whole", "[validator][issue13]") {
    CHECK(partialMask("葛\U000E0100西 花子") == "葛\U000E0100● 花●");
    CHECK(partialMask("か\u309Aえで") == "か\u309A●で");
    CHECK(kanaInitials("カ\u309Aムイ ハナコ") == "カ\u309A・ハ");
}
