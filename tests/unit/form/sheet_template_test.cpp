#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <functional>
#include <sstream>

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

// ---------------------------------------------------------------------------
// Issue 14: templates are strictly checked data.

namespace {

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool hasProblem(const common::Status& s, const std::string& path, const std::string& code) {
    for (const auto& e : s.fieldErrors())
        if (e.field == path && e.code == code) return true;
    return false;
}

std::string describe(const common::Status& s) {
    std::string out;
    for (const auto& e : s.fieldErrors()) out += e.field + " " + e.code + ": " + e.message + "\n";
    return out;
}

// A copy of the shipped templates in a temporary folder, to break one of them.
struct TemplateCopy {
    testing_support::TempDir dir;
    TemplateCopy() {
        for (const auto* id : {"admission-info", "discharge-liaison", "physician-contact", "welfare-equipment", "fax-cover"}) {
            Poco::File(dir.file(id)).createDirectories();
            testing_support::writeFile(dir.file(std::string(id) + "/template.json"),
                                       testing_support::readFile(testing_support::sourcePath(std::string("templates/") + id + "/template.json")));
        }
    }
    std::string path(const std::string& id) const { return dir.file(id + "/template.json"); }
    void edit(const std::string& id, const std::string& from, const std::string& to) const {
        std::string json = testing_support::readFile(path(id));
        REQUIRE(json.find(from) != std::string::npos);
        json.replace(json.find(from), from.size(), to);
        testing_support::writeFile(path(id), json);
    }
};

}  // namespace

TEST_CASE("Issue 14: every problem of a template is reported at once, with the file and the JSON path", "[template][issue14]") {
    const std::string json = R"({"id":"t","title":"T","version":"1","grid":{"columns":4},"colour":"red",
      "fields":[
        {"key":"a","label":"A","type":"text"},
        {"key":"b","label":"B","type":"derived","derive":"fooBar","from":["a"]},
        {"key":"c","label":"C","type":"txt"},
        {"key":"d","label":"D","type":"enum","options":[{"value":"x","lable":"X"}]},
        {"key":"a","label":"A again","type":"text"},
        {"key":"e","label":"E","type":"text","options":[["x","X"]]},
        {"key":"f","label":"F","type":"date","required":true,"required":false}
      ],
      "pages":[{"rows":3,"cells":[
        {"at":[0,0],"field":"f","format":"heisei"},
        {"at":[0,1],"field":"zzz"},
        {"at":[0,2],"text":"x","format":"label"},
        {"at":[1,0],"field":"a","allign":"left"}
      ]}]})";
    auto t = parseTemplate(json, "templates/t/template.json");
    REQUIRE_FALSE(t);
    INFO(t.status().message());
    const auto all = lines(t.status().message());
    CHECK(std::count(all.begin(), all.end(), "templates/t/template.json: fields[1].derive: unknown derivation 'fooBar'") == 1);
    for (const auto& line : all) CHECK(line.rfind("templates/t/template.json: ", 0) == 0);
    const common::Status& s = t.status();
    CHECK(hasProblem(s, "colour", "unknown_key"));
    CHECK(hasProblem(s, "fields[1].derive", "unknown_derivation"));
    CHECK(hasProblem(s, "fields[2].type", "unknown_type"));
    CHECK(hasProblem(s, "fields[3].options[0].lable", "unknown_key"));
    CHECK(hasProblem(s, "fields[4].key", "duplicate_field"));
    CHECK(hasProblem(s, "fields[5].options", "not_for_type"));
    CHECK(hasProblem(s, "fields[6].required", "duplicate_key"));
    CHECK(hasProblem(s, "pages[0].cells[0].format", "unknown_format"));
    CHECK(hasProblem(s, "pages[0].cells[1].field", "unknown_field"));
    CHECK(hasProblem(s, "pages[0].cells[2].format", "not_for_place"));
    CHECK(hasProblem(s, "pages[0].cells[3].allign", "unknown_key"));
    CHECK(s.fieldErrors().size() == all.size());
    // A misspelt member names the likely one; so does a misspelt value.
    CHECK_THAT(s.message(), Catch::Contains("unknown key 'lable' in an option (did you mean 'label'?)"));
    CHECK_THAT(s.message(), Catch::Contains("unknown key 'allign' in a cell (did you mean 'align'?)"));
    CHECK_THAT(s.message(), Catch::Contains("unknown field type 'txt' (did you mean 'text'?)"));
    CHECK_THAT(s.message(), Catch::Contains("fields[4].key: field 'a' is declared twice (also at fields[0])"));
}

TEST_CASE("Issue 14: each kind of mistake is refused at its path", "[template][issue14]") {
    struct Case {
        std::string what, fields, cells, path, code;
    };
    const std::string a = R"({"key":"a","label":"A","type":"text"})";
    const std::vector<Case> cases = {
        {"a derivation from the wrong number of fields", R"({"key":"g","label":"G","type":"derived","derive":"age","from":["a"]},)" + a, "", "fields[0].from", "bad_from"},
        {"a derived field without a derivation", R"({"key":"g","label":"G","type":"derived"},)" + a, "", "fields[0]", "missing_key"},
        {"derive on a field that is not derived", R"({"key":"g","label":"G","type":"text","derive":"age"},)" + a, "", "fields[0].derive", "not_for_type"},
        {"a derivation from an unknown field", R"({"key":"g","label":"G","type":"derived","derive":"municipality","from":["nowhere"]},)" + a, "", "fields[0].from[0]", "unknown_field"},
        {"a condition on an option the field lacks", R"({"key":"e","label":"E","type":"enum","options":[["x","X"]]},{"key":"b","label":"B","type":"text","requiredWhen":[{"field":"e","anyOf":["y"]}]})", "", "fields[1].requiredWhen[0].field", "unknown_option"},
        {"an unknown member of a condition", R"({"key":"b","label":"B","type":"text","requiredWhen":[{"field":"a","anyof":["y"]}]},)" + a, "", "fields[0].requiredWhen[0].anyof", "unknown_key"},
        {"an unknown member of a note", R"({"key":"e","label":"E","type":"enum","options":[{"value":"x","label":"X","note":{"type":"number","fromat":"{}級"}}]})", "", "fields[0].options[0].note.fromat", "unknown_key"},
        {"a note format without {}", R"({"key":"e","label":"E","type":"enum","options":[{"value":"x","label":"X","note":{"format":"級"}}]})", "", "fields[0].options[0].note.format", "unknown_format"},
        {"a note on an option of a table column", R"({"key":"t","label":"T","type":"table","maxRows":1,"columns":[{"key":"c","label":"C","type":"enum","options":[{"value":"x","label":"X","note":true}]}]})", "", "fields[0].columns[0].options[0].note", "not_for_place"},
        {"requiredWhen in a table column", R"({"key":"t","label":"T","type":"table","maxRows":1,"columns":[{"key":"c","label":"C","type":"text","requiredWhen":[]}]})", "", "fields[0].columns[0].requiredWhen", "unknown_key"},
        {"a column declared twice", R"({"key":"t","label":"T","type":"table","maxRows":1,"columns":[{"key":"c","label":"C","type":"text"},{"key":"c","label":"D","type":"text"}]})", "", "fields[0].columns[1].key", "duplicate_field"},
        {"a note key that is another field's", R"({"key":"e_note","label":"N","type":"text"},{"key":"e","label":"E","type":"multi","options":[{"value":"x","label":"X","note":true}]})", "", "fields[1].options[0].note", "duplicate_field"},
        {"check without its option", a + R"(,{"key":"e","label":"E","type":"multi","options":[["x","X"]]})", R"({"at":[0,0],"field":"e","format":"check"})", "pages[0].cells[0].format", "missing_key"},
        {"an option that is not the field's", a + R"(,{"key":"e","label":"E","type":"multi","options":[["x","X"]]})", R"({"at":[0,0],"field":"e","format":"check","option":"y"})", "pages[0].cells[0].option", "unknown_option"},
        {"a format on a text field", a, R"({"at":[0,0],"field":"a","format":"wareki"})", "pages[0].cells[0].format", "unknown_format"},
        {"a table column a cell does not know", R"({"key":"t","label":"T","type":"table","maxRows":1,"columns":[{"key":"c","label":"C","type":"text"}]})", R"({"at":[0,0],"field":"t","item":0,"column":"d"})", "pages[0].cells[0].column", "unknown_field"},
        {"item on a field that is not a table", a, R"({"at":[0,0],"field":"a","item":0})", "pages[0].cells[0].item", "not_for_type"},
        {"a misspelt border", a, R"({"at":[0,0],"field":"a","border":"tx"})", "pages[0].cells[0].border", "bad_border"},
        {"a row height for a row the page lacks", a, "", "pages[0].rowHeightsMm.9", "bad_row"},
        {"a string where a number goes", R"({"key":"n","label":"N","type":"number","min":"0"})", "", "fields[0].min", "wrong_type"},
        {"a half position", a, R"({"at":[0.5,0],"field":"a"})", "pages[0].cells[0].at", "wrong_type"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.what) {
            std::string page = R"({"rows":2,"cells":[)" + c.cells + "]";
            if (c.code == "bad_row") page += R"(,"rowHeightsMm":{"9":8})";
            auto t = parseTemplate(R"({"id":"t","title":"T","version":"1","grid":{"columns":4},"fields":[)" + c.fields +
                                       "],\"pages\":[" + page + "}]}",
                                   "t.json");
            REQUIRE_FALSE(t);
            INFO(describe(t.status()));
            CHECK(hasProblem(t.status(), c.path, c.code));
        }
    }
}

TEST_CASE("Issue 14: an unknown key in any object of a shipped template is refused at its path", "[template][issue14]") {
    for (const char* id : {"fax-cover", "welfare-equipment"}) {
        const std::string json = testing_support::readFile(testing_support::sourcePath(std::string("templates/") + id + "/template.json"));
        // Every object of the file, by its path.
        std::vector<std::pair<std::string, std::vector<std::string>>> objects;  // path, key path
        std::function<void(const Poco::Dynamic::Var&, const std::string&, const std::vector<std::string>&)> walk =
            [&](const Poco::Dynamic::Var& v, const std::string& path, const std::vector<std::string>& steps) {
                if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
                    objects.push_back({path, steps});
                    for (const auto& [k, child] : *v.extract<Poco::JSON::Object::Ptr>()) {
                        if (k == "rowHeightsMm" || k == "defaults") continue;  // keys are row numbers, field keys
                        auto next = steps;
                        next.push_back(k);
                        walk(child, path.empty() ? k : path + "." + k, next);
                    }
                } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
                    auto a = v.extract<Poco::JSON::Array::Ptr>();
                    for (size_t i = 0; i < a->size(); ++i) {
                        auto next = steps;
                        next.push_back("#" + std::to_string(i));
                        walk(a->get(i), path + "[" + std::to_string(i) + "]", next);
                    }
                }
            };
        walk(Poco::JSON::Parser().parse(json), "", {});
        REQUIRE(objects.size() > 50);
        int refused = 0;
        for (const auto& [path, steps] : objects) {
            Poco::Dynamic::Var root = Poco::JSON::Parser().parse(json);
            Poco::JSON::Object::Ptr target = root.extract<Poco::JSON::Object::Ptr>();
            Poco::JSON::Array::Ptr list;
            for (const auto& s : steps) {
                if (s[0] == '#') {
                    Poco::Dynamic::Var item = list->get(std::stoul(s.substr(1)));
                    if (item.type() == typeid(Poco::JSON::Object::Ptr)) target = item.extract<Poco::JSON::Object::Ptr>();
                    else list = item.extract<Poco::JSON::Array::Ptr>();
                } else if (target->getObject(s)) {
                    target = target->getObject(s);
                } else {
                    list = target->getArray(s);
                }
            }
            target->set("zUnknown", 1);
            std::ostringstream out;
            Poco::JSON::Stringifier::stringify(root, out);
            auto t = parseTemplate(out.str(), id);
            const std::string expected = path.empty() ? "zUnknown" : path + ".zUnknown";
            INFO(id << ": " << expected);
            REQUIRE_FALSE(t);
            CHECK(hasProblem(t.status(), expected, "unknown_key"));
            CHECK(t.status().fieldErrors().size() == 1);
            ++refused;
        }
        CHECK(refused == static_cast<int>(objects.size()));
    }
}

TEST_CASE("Issue 14: the registry checks each sheet's fax cover entry against the cover and reports every template", "[template][issue14]") {
    SECTION("the shipped templates: one cover, every other sheet listed on it") {
        auto registry = TemplateRegistry::load(testing_support::sourcePath("templates"));
        REQUIRE(registry);
        REQUIRE(registry.value()->cover());
        CHECK(registry.value()->cover()->id == "fax-cover");
        const auto& cover = *registry.value()->cover()->cover;
        CHECK(cover.otherDocument == "other");
        CHECK(std::count(cover.requestOptions.begin(), cover.requestOptions.end(), "patient_ref") == 1);
        for (const auto* sheet : registry.value()->all()) {
            INFO(sheet->id);
            CHECK(sheet->faxCover.has_value() == (sheet != registry.value()->cover()));
        }
        CHECK(registry.value()->find("admission-info")->faxCover->document == "admission_info");
    }
    SECTION("a sheet without an entry, one with an entry the cover lacks, and a broken one: all reported") {
        TemplateCopy copy;
        copy.edit("welfare-equipment", R"("faxCover": {"document": "welfare_equipment"},)", "");
        copy.edit("physician-contact", R"("document": "physician_contact")", R"("document": "physician")");
        copy.edit("discharge-liaison", R"("derive": "age")", R"("derive": "agee")");
        copy.edit("admission-info", R"("document": "admission_info")", R"("document": "admission_info", "note": "入院時")");
        auto registry = TemplateRegistry::load(copy.dir.path());
        REQUIRE_FALSE(registry);
        const std::string m = registry.status().message();
        INFO(m);
        CHECK_THAT(m, Catch::Contains(copy.path("welfare-equipment") + ": faxCover: missing"));
        CHECK_THAT(m, Catch::Contains(copy.path("physician-contact") + ": faxCover.document: 'physician' is not an option"));
        CHECK_THAT(m, Catch::Contains(copy.path("discharge-liaison") + ": fields[12].derive: unknown derivation 'agee' (did you mean 'age'?)"));
        CHECK_THAT(m, Catch::Contains(copy.path("admission-info") + ": faxCover.note: a note goes with the document 'other' only"));
        CHECK(lines(m).size() == 4);
    }
    SECTION("a sheet lacking a field the cover requires from the first document") {
        TemplateCopy copy;
        copy.edit("welfare-equipment", R"("key": "sender_phone")", R"("key": "sender_tel")");
        copy.edit("welfare-equipment", R"("field": "sender_phone")", R"("field": "sender_tel")");
        auto registry = TemplateRegistry::load(copy.dir.path());
        REQUIRE_FALSE(registry);
        CHECK_THAT(registry.status().message(), Catch::Contains("copies 'sender_phone'"));
    }
    SECTION("a cover block naming a field the cover lacks, or an option that is not a string") {
        TemplateCopy copy;
        copy.edit("fax-cover", R"("requestOptions": ["message", )", R"("requestOptions": ["mesage", "total_pages", )");
        copy.edit("fax-cover", R"("otherDocument": "other")", R"("otherDocument": "others")");
        auto registry = TemplateRegistry::load(copy.dir.path());
        REQUIRE_FALSE(registry);
        const std::string m = registry.status().message();
        INFO(m);
        CHECK_THAT(m, Catch::Contains("cover.requestOptions[0]: names 'mesage', not a field of this sheet"));
        CHECK_THAT(m, Catch::Contains("cover.requestOptions[1]: a request sets cover options as strings"));
        CHECK_THAT(m, Catch::Contains("cover.otherDocument: 'others' is not an option of 'documents' with a note"));
    }
    SECTION("two covers") {
        TemplateCopy copy;
        Poco::File(copy.dir.file("fax-cover-2")).createDirectories();
        std::string json = testing_support::readFile(copy.path("fax-cover"));
        json.replace(json.find(R"("id": "fax-cover")"), 17, R"("id": "fax-cover-2")");
        testing_support::writeFile(copy.path("fax-cover-2"), json);
        auto registry = TemplateRegistry::load(copy.dir.path());
        REQUIRE_FALSE(registry);
        CHECK_THAT(registry.status().message(), Catch::Contains("a second fax cover"));
    }
}
