#include <catch2/catch.hpp>

#include "form/sheet_template.h"
#include "form/template_registry.h"
#include "test_sheet.h"
#include "test_support.h"

using namespace form;

namespace {

std::string withPages(const std::string& pages) {
    return R"({"id":"t","title":"T","version":"1","grid":{"columns":4},
      "fields":[{"key":"a","label":"A","type":"text"}],"pages":)" + pages + "}";
}

}  // namespace

TEST_CASE("The test template loads with its fields, notes and grid", "[template]") {
    auto t = parseTemplate(kTestSheetJson, "test");
    REQUIRE(t);
    CHECK(t->id == "test-sheet");
    CHECK(t->columnWidthsMm.size() == 12);
    CHECK(t->columnWidthsMm[0] == Approx(186.0 / 12));
    const FieldSpec* aids = t->field("aids");
    REQUIRE(aids);
    CHECK(aids->type == FieldType::Multi);
    CHECK(aids->option("other")->noteKey == "aids_note");
    REQUIRE(t->field("aids_note"));
    CHECK(t->field("aids_note")->isNote);
    REQUIRE(t->field("grades_physical_grade"));
    CHECK(t->field("grades_physical_grade")->type == FieldType::Number);
    CHECK(t->field("grades")->option("physical")->noteFormat == "({}級)");
    CHECK(t->field("pt_name")->maxLength == 100);
    CHECK(t->field("memo")->maxLength == 4000);
    CHECK(t->pages.at(0).rowHeightsMm.size() == 10);
}

TEST_CASE("Broken templates are refused with the reason", "[template]") {
    SECTION("overlapping cells") {
        auto t = parseTemplate(withPages(R"([{"rows":2,"cells":[{"at":[0,0],"span":[1,2],"text":"x"},{"at":[0,1],"text":"y"}]}])"), "t");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("overlaps"));
    }
    SECTION("a cell outside the grid") {
        auto t = parseTemplate(withPages(R"([{"rows":2,"cells":[{"at":[1,3],"span":[1,2],"text":"x"}]}])"), "t");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("leaves the grid"));
    }
    SECTION("an unknown field") {
        auto t = parseTemplate(withPages(R"([{"rows":2,"cells":[{"at":[0,0],"field":"zzz"}]}])"), "t");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("zzz"));
    }
    SECTION("rows taller than the page") {
        auto t = parseTemplate(withPages(R"([{"rows":50,"rowHeightMm":6,"cells":[]}])"), "t");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("more than the page holds"));
    }
    SECTION("text under 7 pt") {
        auto t = parseTemplate(withPages(R"([{"rows":2,"cells":[{"at":[0,0],"text":"x","fontSizePt":6}]}])"), "t");
        REQUIRE_FALSE(t);
    }
    SECTION("a digit count on a field that is not text") {
        std::string json = withPages(R"([{"rows":2,"cells":[]}])");
        json.replace(json.find(R"("type":"text")"), 13, R"("type":"number","digits":6)");
        auto t = parseTemplate(json, "t");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("digits"));
    }
    SECTION("malformed JSON") { CHECK_FALSE(parseTemplate("{", "t")); }
}

TEST_CASE("Issue 13: a cell of a personal field without a masked rule is refused", "[template][mask]") {
    auto sheet = [](const std::string& fields, const std::string& cells) {
        return parseTemplate(R"({"id":"t13","title":"T","version":"1","grid":{"columns":4},"fields":[)" + fields +
                                 R"(],"pages":[{"name":"1枚目","rows":2,"cells":[)" + cells + "]}]}",
                             "templates/t13/template.json");
    };
    const std::string kana = R"({"key":"pt_kana","label":"フリガナ","type":"text"})";
    SECTION("the patient's kana, personal by its key") {
        auto t = sheet(kana, R"({"at":[1,2],"field":"pt_kana"})");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("templates/t13/template.json") && Catch::Contains("'t13'") &&
                                             Catch::Contains("cell at [1,2]") && Catch::Contains("'pt_kana'") &&
                                             Catch::Contains("masked"));
        CHECK(sheet(kana, R"({"at":[1,2],"field":"pt_kana","masked":""})"));
    }
    SECTION("every key that is personal on every sheet") {
        for (const char* key : {"pt_name", "pt_kana", "pt_birth_date", "pt_postal", "pt_address", "pt_phone",
                                "pt_insured_no", "pt_insurer_no", "main_carer_phone", "key_person_phone"}) {
            INFO(key);
            const std::string field = std::string(R"({"key":")") + key + R"(","label":"x","type":"text"})";
            CHECK_FALSE(sheet(field, std::string(R"({"at":[0,0],"field":")") + key + "\"}"));
        }
    }
    SECTION("a field the template marks personal, also as a table column") {
        const std::string phone = R"({"key":"neighbour_phone","label":"近隣TEL","type":"phone","personal":true})";
        auto t = sheet(phone, R"({"at":[0,0],"field":"neighbour_phone"})");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("'neighbour_phone'"));
        CHECK(sheet(phone, R"({"at":[0,0],"field":"neighbour_phone","masked":""})"));
        const std::string table = R"({"key":"family","label":"家族","type":"table","maxRows":2,"columns":[)"
                                  R"({"key":"name","label":"氏名","type":"text"},{"key":"tel","label":"TEL","type":"phone","personal":true}]})";
        CHECK(sheet(table, R"({"at":[0,0],"field":"family","item":0,"column":"name"})"));
        auto col = sheet(table, R"({"at":[0,1],"field":"family","item":0,"column":"tel"})");
        REQUIRE_FALSE(col);
        CHECK_THAT(col.status().message(), Catch::Contains("'family.tel'"));
    }
    SECTION("a stand-in that is personal itself") {
        const std::string fields = R"({"key":"pt_name","label":"氏名","type":"text"},)" + kana;
        auto t = sheet(fields, R"({"at":[0,0],"field":"pt_name","masked":"pt_kana"})");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("personal"));
    }
    SECTION("a key that is always personal cannot be declared otherwise") {
        auto t = sheet(R"({"key":"pt_phone","label":"電話","type":"phone","personal":false})", "");
        REQUIRE_FALSE(t);
        CHECK_THAT(t.status().message(), Catch::Contains("always personal"));
    }
}

TEST_CASE("Every shipped template loads", "[template]") {
    auto registry = TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(registry);
    CHECK(registry.value()->find("admission-info"));
    for (const auto* sheet : registry.value()->all()) {
        INFO(sheet->id);
        CHECK_FALSE(sheet->pages.empty());
    }
}
