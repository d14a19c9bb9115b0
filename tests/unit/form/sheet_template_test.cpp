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

TEST_CASE("Every shipped template loads", "[template]") {
    auto registry = TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(registry);
    CHECK(registry.value()->find("admission-info"));
    for (const auto* sheet : registry.value()->all()) {
        INFO(sheet->id);
        CHECK_FALSE(sheet->pages.empty());
    }
}
