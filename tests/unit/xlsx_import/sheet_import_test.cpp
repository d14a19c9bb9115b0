// Issue 17: workbooks sent back through Renkei. Every sheet's workbook is
// rendered from generated payloads and imported again (a property test: the
// same fields come back), and edited the way a user edits a workbook: boxes
// ticked, dates typed in 和暦, notes added, decorations typed along.
#include <catch2/catch.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "app/document_service.h"
#include "app/workbook_intake.h"
#include "common/characters.h"
#include "common/utf8.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "payload_generator.h"
#include "render/workbook_names.h"
#include "test_support.h"
#include "xlsx_import/sheet_import.h"
#include "xlsx_import_support.h"

using xlsx_import_test::Env;
using xlsx_import_test::sameFields;

TEST_CASE("Every sheet's sample workbook imports back to the same fields", "[xlsx_import]") {
    Env& env = Env::get();
    for (const form::SheetTemplate* sp : env.templates->all()) {
        const form::SheetTemplate& sheet = *sp;
        const std::string& id = sheet.id;
        INFO("sheet " << id);
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), id).value();
        REQUIRE(sample);
        auto data = env.service->validate(id, sample).value();
        std::string bytes = env.renderXlsx(sheet, data);
        auto imported = xlsx_import::importWorkbook(sheet, bytes);
        REQUIRE(imported.isOk());
        std::string problems;
        for (const auto& p : imported->problems) problems += p.field + " " + p.code + " " + p.message + " " + p.cell + "\n";
        CHECK(problems == "");
        auto back = env.service->validate(id, imported->fields);
        REQUIRE(back.isOk());
        CHECK(sameFields(sheet, data, back.value()) == "");
    }
}

TEST_CASE("Round trip property: every sheet x 200 generated payloads render and import to the same fields",
          "[xlsx_import][property]") {
    Env& env = Env::get();
    for (const form::SheetTemplate* sp : env.templates->all()) {
        const form::SheetTemplate& sheet = *sp;
        const std::string& id = sheet.id;
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), id).value();
        bench::PayloadGenerator generator(sheet, sample);
        for (long long i = 0; i < 200; ++i) {
            INFO("sheet " << id << " payload " << i);
            auto fields = generator.generate(17, i);
            REQUIRE(fields.isOk());
            auto data = env.service->validate(id, fields.value()).value();
            auto imported = xlsx_import::importWorkbook(sheet, env.renderXlsx(sheet, data));
            REQUIRE(imported.isOk());
            if (!imported->problems.empty()) {
                const auto& p = imported->problems.front();
                FAIL(p.field << " " << p.code << " " << p.message << " " << p.cell);
            }
            auto back = env.service->validate(id, imported->fields);
            REQUIRE(back.isOk());
            const std::string diff = sameFields(sheet, data, back.value());
            if (!diff.empty()) FAIL(diff);
        }
    }
}

namespace {

using xlsx_import_test::part;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

using xlsx_import_test::setCell;
using xlsx_import_test::setText;
using xlsx_import_test::withPart;

struct Sample {
    const form::SheetTemplate* sheet;
    form::FormData data;
    std::string xlsx;
};

Sample sampleOf(const std::string& id) {
    Env& env = Env::get();
    Sample s;
    s.sheet = env.templates->find(id);
    auto fields = bench::loadSampleFields(testing_support::sourcePath("templates"), id).value();
    s.data = env.service->validate(id, fields).value();
    s.xlsx = env.renderXlsx(*s.sheet, s.data);
    return s;
}

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o->has(key) && o->get(key).isString() ? o->getValue<std::string>(key) : "<" + key + " missing>";
}

std::string stringify(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
}

const xlsx_import::ImportProblem* problemOf(const xlsx_import::ImportResult& r, const std::string& field) {
    for (const auto& p : r.problems)
        if (p.field == field) return &p;
    return nullptr;
}

std::string refusalOf(const form::SheetTemplate& sheet, const std::string& xlsx) {
    auto r = xlsx_import::importWorkbook(sheet, xlsx);
    if (r.isOk()) return "imported";
    REQUIRE(r.status().fieldErrors().size() == 1);
    return r.status().fieldErrors()[0].code;
}

}  // namespace

TEST_CASE("Cells edited by hand import: 和暦 typed, boxes ticked, labels chosen, decorations typed along",
          "[xlsx_import]") {
    Sample s = sampleOf("admission-info");
    std::string x = s.xlsx;
    x = setText(x, "doc_date", "令和7年11月21日");
    x = setText(x, "admission_date", "R7.11.20");
    x = setText(x, "admission_time", "8時05分");
    // Boxes ticked from their ■/□ drop-down: LibreOffice writes an inline
    // string for a cell it did not have in its shared strings, openpyxl and
    // Excel a shared string.
    x = setText(x, "pt_sex.male", "□");
    x = xlsx_import_test::setSharedText(x, "pt_sex.female", "■");
    x = setText(x, "pension_types.employee", "□");
    x = xlsx_import_test::setSharedText(x, "pension_types.disability", "■");
    x = xlsx_import_test::setSharedText(x, "pension_types.other.note", "企業年金・個人年金");
    x = setText(x, "post_household.with_child", "□");
    x = setText(x, "post_household.other", "■");
    x = setText(x, "post_household.other.note", "姉と同居予定");  // a note typed into its note cell
    x = setCell(x, "household.elderly", "t=\"b\"><v>0</v>");   // a boolean unticks too
    x = setCell(x, "household.alone", "t=\"b\"><v>1</v>");
    x = setText(x, "main_carer_age", "82才");
    x = setText(x, "recipient_person", "北野 一郎 様");
    x = setCell(x, "pt_postal", "t=\"inlineStr\"><is><t>〒078-0000</t></is>");
    auto r = xlsx_import::importWorkbook(*s.sheet, x);
    REQUIRE(r.isOk());
    std::string problems;
    for (const auto& p : r->problems) problems += p.field + " " + p.code + " " + p.message + "\n";
    CHECK(problems == "");
    const auto& f = r->fields;
    CHECK(str(f, "doc_date") == "2025-11-21");
    CHECK(str(f, "admission_date") == "2025-11-20");
    CHECK(str(f, "admission_time") == "08:05");
    CHECK(str(f, "pt_sex") == "female");
    CHECK(stringify(f->get("pension_types")) == "[\"disability\",\"other\"]");
    CHECK(str(f, "pension_types_note") == "企業年金・個人年金");
    CHECK(str(f, "household") == "alone");
    CHECK(str(f, "post_household") == "other");
    CHECK(str(f, "post_household_note") == "姉と同居予定");
    CHECK(stringify(f->get("main_carer_age")) == "82");
    CHECK(str(f, "recipient_person") == "北野 一郎");
    CHECK(str(f, "pt_postal") == "078-0000");
}

TEST_CASE("Dates as serials import in the 1900 and the 1904 date system", "[xlsx_import]") {
    Sample s = sampleOf("admission-info");
    // 2025-04-01 is 45748 in the 1900 system and 44286 in the 1904 system.
    std::string x = setCell(s.xlsx, "doc_date", "><v>45748</v>");
    x = setCell(x, "sent_at", "><v>45748.6041666667</v>");
    auto r = xlsx_import::importWorkbook(*s.sheet, x);
    REQUIRE(r.isOk());
    CHECK(str(r->fields, "doc_date") == "2025-04-01");
    CHECK(str(r->fields, "sent_at") == "2025-04-01T14:30:00+09:00");
    std::string wb = part(x, "xl/workbook.xml");
    const size_t at = wb.find("<bookViews");
    REQUIRE(at != std::string::npos);
    wb.insert(at, "<workbookPr date1904=\"1\"/>");
    x = withPart(setCell(x, "doc_date", "><v>44286</v>"), "xl/workbook.xml", wb);
    r = xlsx_import::importWorkbook(*s.sheet, x);
    REQUIRE(r.isOk());
    CHECK(str(r->fields, "doc_date") == "2025-04-01");
}

TEST_CASE("Every problem names its cell, defined name and label, formulas are never evaluated", "[xlsx_import]") {
    Sample s = sampleOf("admission-info");
    std::string x = setCell(s.xlsx, "pt_name", "t=\"str\"><f>CONCATENATE(\"旭川\",\"太郎\")</f><v>旭川太郎</v>");
    x = setCell(x, "pt_kana", "t=\"e\"><v>#N/A</v>");
    x = setText(x, "doc_date", "令和7年2月30日");
    x = setText(x, "pt_sex.female", "✓");  // neither ■ nor □
    x = setText(x, "post_household.alone", "■独居");  // a second box ticked for one answer
    x = setText(x, "household.other", "□");
    x = setText(x, "household.other.note", "姉と同居");  // a note beside a box left unticked
    x = xlsx_import_test::setSharedText(x, "pt_care_level.kaigo4", "■");  // a second ■ for one answer, shared
    auto r = xlsx_import::importWorkbook(*s.sheet, x);
    REQUIRE(r.isOk());
    const auto* formula = problemOf(*r, "fields.pt_name");
    REQUIRE(formula);
    CHECK(formula->code == "formula");
    CHECK(formula->name == "pt_name");
    CHECK(formula->cell.find("'1枚目'!$") == 0);
    CHECK(formula->label == s.sheet->field("pt_name")->label);
    CHECK_FALSE(r->fields->has("pt_name"));  // the cached value is not taken
    const auto* error = problemOf(*r, "fields.pt_kana");
    REQUIRE(error);
    CHECK(error->code == "cell_error");
    const auto* date = problemOf(*r, "fields.doc_date");
    REQUIRE(date);
    CHECK(date->code == "invalid_date");
    CHECK(date->name == "doc_date");
    const auto* sex = problemOf(*r, "fields.pt_sex");
    REQUIRE(sex);
    CHECK(sex->code == "invalid_box");
    CHECK(sex->name == "pt_sex.female");
    CHECK(sex->cell.find("'1枚目'!$") == 0);
    CHECK(sex->label == "性別");
    const auto* two = problemOf(*r, "fields.post_household");
    REQUIRE(two);
    CHECK(two->code == "too_many_choices");
    CHECK(two->name == "post_household.with_child");  // the second ■ in the form's order
    CHECK(two->cell.find("'1枚目'!$") == 0);
    CHECK(two->message.find("「独居」と「子と同居」") != std::string::npos);
    const auto* level = problemOf(*r, "fields.pt_care_level");
    REQUIRE(level);
    CHECK(level->code == "too_many_choices");
    CHECK(level->name == "pt_care_level.kaigo4");
    CHECK(level->label == s.sheet->field("pt_care_level")->label);
    CHECK_FALSE(r->fields->has("pt_care_level"));  // neither answer is taken
    const auto* note = problemOf(*r, "fields.household_note");
    REQUIRE(note);
    CHECK(note->code == "note_without_choice");
    CHECK(note->name == "household.other.note");
    CHECK(note->cell.find("'1枚目'!$") == 0);
    for (const auto& e : xlsx_import::toFieldErrors(r->problems)) CHECK(e.message.find("(セル '") != std::string::npos);
}

TEST_CASE("Workbooks of another sheet, another template version or not made by Renkei are refused",
          "[xlsx_import]") {
    Sample admission = sampleOf("admission-info");
    Sample discharge = sampleOf("discharge-liaison");
    CHECK(refusalOf(*admission.sheet, discharge.xlsx) == "wrong_sheet");
    std::string custom = part(admission.xlsx, "docProps/custom.xml");
    const std::string version = ">" + admission.sheet->version + "<";
    REQUIRE(custom.find(version) != std::string::npos);
    custom.replace(custom.find(version), version.size(), ">2019.1<");
    CHECK(refusalOf(*admission.sheet, withPart(admission.xlsx, "docProps/custom.xml", custom)) ==
          "wrong_template_version");
    auto parts = xlsx_import_test::unzipAll(admission.xlsx);
    std::string rels;
    for (auto& [name, data] : parts)
        if (name == "_rels/.rels") {
            const size_t at = data.find("custom-properties");
            REQUIRE(at != std::string::npos);
            data.replace(at, 17, "something-else-xx");
        }
    // Without its custom properties (as openpyxl saves it) the workbook is
    // known by its defined names RenkeiSheetId and RenkeiTemplateVersion;
    // without those too it is not Renkei's.
    const std::string withoutProperties = xlsx_import_test::zipAll(parts);
    CHECK(refusalOf(*admission.sheet, withoutProperties) == "imported");
    std::string workbookXml = part(withoutProperties, "xl/workbook.xml");
    const std::string versionName = "\"" + admission.sheet->version + "\"</definedName>";
    REQUIRE(workbookXml.find(versionName) != std::string::npos);
    CHECK(refusalOf(*admission.sheet,
                    withPart(withoutProperties, "xl/workbook.xml",
                             std::regex_replace(workbookXml, std::regex(versionName), "\"2019.1\"</definedName>"))) ==
          "wrong_template_version");
    CHECK(refusalOf(*discharge.sheet, withoutProperties) == "wrong_sheet");
    workbookXml = std::regex_replace(workbookXml, std::regex("name=\"RenkeiSheetId\""), "name=\"SomeoneElsesId\"");
    CHECK(refusalOf(*admission.sheet, withPart(withoutProperties, "xl/workbook.xml", workbookXml)) ==
          "not_renkei_workbook");
}

// Issue 17 items 1 and 3: the master copy has every cell a filled form can
// have, the pages printed only under a condition too; each option of a row
// of boxes is a box cell of its own, with a note cell where it takes a note.
TEST_CASE("The blank workbook names every entry cell and imports with only the required problems", "[xlsx_import]") {
    Env& env = Env::get();
    int conditionalPages = 0;
    std::set<std::string> oneCell;
    for (const form::SheetTemplate* sheet : env.templates->all()) {
        INFO("sheet " << sheet->id);
        auto blank = env.service->renderBlankWorkbook(*sheet);
        REQUIRE(blank.isOk());
        auto wb = xlsx_import::readWorkbook(blank->bytes);
        REQUIRE(wb.isOk());
        for (const auto& page : sheet->pages) {
            conditionalPages += page.onlyWhen.empty() ? 0 : 1;
            for (const auto& cs : page.cells) {
                if (cs.field.empty()) continue;
                const form::FieldSpec* f = sheet->field(cs.field);
                REQUIRE(f);
                const bool boxes =
                    (f->type == form::FieldType::Enum || f->type == form::FieldType::Multi) && cs.format != "label";
                if (!boxes) {
                    INFO("entry " << form::entryName(cs, cs.field));
                    CHECK(wb->names.count(form::entryName(cs, cs.field)) == 1);
                    continue;
                }
                for (const auto& o : f->options) {
                    if (!cs.option.empty() && cs.option != o.value) continue;
                    const std::string box = lower(render::definedNameFor(form::boxEntryName(cs, cs.field, o.value)));
                    INFO("box " << box);
                    if (!wb->names.count(box) && wb->names.count(form::entryName(cs, cs.field))) {
                        oneCell.insert(cs.field);  // too many options for its range: one answer cell
                        break;
                    }
                    REQUIRE(wb->names.count(box) == 1);
                    CHECK(wb->cell(wb->names.at(box))->text == "□");
                    if (!o.noteKey.empty())
                        CHECK(wb->names.count(lower(render::definedNameFor(form::noteEntryName(cs, cs.field, o.value)))) == 1);
                }
            }
        }
        auto r = xlsx_import::importWorkbook(*sheet, blank->bytes);
        REQUIRE(r.isOk());
        for (const auto& p : r->problems) {
            INFO(p.field << " " << p.code << " " << p.message);
            CHECK(p.code == "required");
        }
    }
    CHECK(conditionalPages > 0);  // the templates have such a page, and it was checked
    // 17 options, one of them 33 characters long, in two rows of 41 columns.
    CHECK(oneCell == std::set<std::string>{"nursing_points"});
}

// The same round trip after LibreOffice opened and saved each workbook
// (LibreOffice rewrites the whole package: shared strings instead of inline
// ones, its own styles, names without quotes). One headless LibreOffice with
// a profile of its own converts the whole batch, a few payloads per sheet,
// so the test stays within seconds.
TEST_CASE("Round trip property after LibreOffice opens and saves every sheet's workbooks", "[xlsx_import][libreoffice]") {
    INFO("LibreOffice is a test dependency: run scripts/install-deps (libreoffice-calc-nogui)");
    REQUIRE(testing_support::run({"/usr/bin/test", "-x", "/usr/bin/soffice"}).exitCode == 0);
    constexpr int kPerSheet = 3;
    Env& env = Env::get();
    testing_support::TempDir dir;
    testing_support::run({"/usr/bin/mkdir", "-p", dir.file("in"), dir.file("out")});
    struct Case {
        const form::SheetTemplate* sheet;
        form::FormData data;
        std::string file;
    };
    std::vector<Case> cases;
    std::vector<std::string> argv = {"/usr/bin/soffice", "-env:UserInstallation=file://" + dir.file("profile"),
                                     "--headless", "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                                     "--outdir", dir.file("out")};
    for (const form::SheetTemplate* sheet : env.templates->all()) {
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), sheet->id).value();
        bench::PayloadGenerator generator(*sheet, sample);
        for (int i = 0; i < kPerSheet; ++i) {
            auto fields = generator.generate(1717, i);
            REQUIRE(fields.isOk());
            Case c{sheet, env.service->validate(sheet->id, fields.value()).value(),
                   sheet->id + "-" + std::to_string(i) + ".xlsx"};
            testing_support::writeFile(dir.file("in/" + c.file), env.renderXlsx(*sheet, c.data));
            argv.push_back(dir.file("in/" + c.file));
            cases.push_back(std::move(c));
        }
    }
    auto converted = testing_support::run(argv);
    INFO(converted.output);
    REQUIRE(converted.exitCode == 0);
    for (const Case& c : cases) {
        INFO(c.file);
        const std::string saved = testing_support::readFile(dir.file("out/" + c.file));
        REQUIRE_FALSE(saved.empty());
        REQUIRE(saved != testing_support::readFile(dir.file("in/" + c.file)));  // LibreOffice wrote it anew
        auto imported = xlsx_import::importWorkbook(*c.sheet, saved);
        REQUIRE(imported.isOk());
        if (!imported->problems.empty()) {
            const auto& p = imported->problems.front();
            FAIL(p.field << " " << p.code << " " << p.message << " " << p.cell);
        }
        auto back = env.service->validate(c.sheet->id, imported->fields);
        REQUIRE(back.isOk());
        const std::string diff = sameFields(*c.sheet, c.data, back.value());
        if (!diff.empty()) FAIL(diff);
    }
}

namespace {

// The fields with every multi-line text as long as the field allows: the
// boxes shrink their text, then continue on the 別紙.
Poco::JSON::Object::Ptr withLongTexts(const form::SheetTemplate& sheet, Poco::JSON::Object::Ptr fields) {
    const std::string phrase = "自宅での生活を続けたいとの希望が強く、家族も協力的である。";
    for (const auto& f : sheet.fields) {
        if (f.type != form::FieldType::MText || f.maxLength <= 0) continue;
        std::string text;
        while (static_cast<int>(common::characterCount(common::decodeUtf8(text + phrase).value())) <= f.maxLength)
            text += phrase;
        if (!text.empty()) fields->set(f.key, text);
    }
    return fields;
}

}  // namespace

// Issue 17 item 2: a workbook printed from LibreOffice has as many pages as
// the PDF, at 100 % (rows keep their designed heights; long text continues
// on 別紙 worksheets that print as the PDF's 別紙 pages). One headless
// LibreOffice converts the whole batch.
TEST_CASE("LibreOffice prints each workbook on as many pages as the PDF", "[xlsx_import][libreoffice]") {
    REQUIRE(testing_support::run({"/usr/bin/test", "-x", "/usr/bin/soffice"}).exitCode == 0);
    Env& env = Env::get();
    testing_support::TempDir dir;
    testing_support::run({"/usr/bin/mkdir", "-p", dir.file("in"), dir.file("out")});
    struct Expected {
        std::string file;
        int pages;      // of the PDF
        int gridPages;  // of the template: more pages are 別紙
    };
    std::vector<Expected> expected;
    std::vector<std::string> argv = {"/usr/bin/soffice", "-env:UserInstallation=file://" + dir.file("profile"),
                                     "--headless", "--norestore", "--convert-to", "pdf", "--outdir", dir.file("out")};
    for (const form::SheetTemplate* sheet : env.templates->all()) {
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), sheet->id).value();
        bench::PayloadGenerator generator(*sheet, sample);
        for (int i = 0; i < 2; ++i) {
            auto fields = generator.generate(4242, i).value();
            if (i == 1) fields = withLongTexts(*sheet, fields);
            auto data = env.service->validate(sheet->id, fields);
            REQUIRE(data.isOk());
            auto pdf = env.service->render(*sheet, data.value(), app::Format::Pdf, "0123456789abcdef0123456789abcdef",
                                           "2025-11-20T15:10:00+09:00");
            REQUIRE(pdf.isOk());
            const std::string file = sheet->id + "-" + std::to_string(i);
            const std::string xlsx = env.renderXlsx(*sheet, data.value());
            for (const auto& [name, content] : xlsx_import_test::unzipAll(xlsx)) {
                if (name.rfind("xl/worksheets/", 0) != 0) continue;
                INFO(file << " " << name);  // printed at 100 %: nothing is fitted to the page
                CHECK(content.find("fitToPage") == std::string::npos);
                CHECK(content.find(" scale=") == std::string::npos);
            }
            testing_support::writeFile(dir.file("in/" + file + ".xlsx"), xlsx);
            argv.push_back(dir.file("in/" + file + ".xlsx"));
            expected.push_back({file, pdf->pageCount, static_cast<int>(sheet->pages.size())});
        }
    }
    auto converted = testing_support::run(argv);
    INFO(converted.output);
    REQUIRE(converted.exitCode == 0);
    bool sawContinuation = false;
    for (const Expected& e : expected) {
        INFO(e.file);
        CHECK(testing_support::pdfPageCount(dir.file("out/" + e.file + ".pdf")) == e.pages);
        sawContinuation = sawContinuation || e.pages > e.gridPages;
    }
    CHECK(sawContinuation);  // the long texts did continue on 別紙 pages
}

// A job sent as a workbook (POST /api/v1/jobs with "workbook") whose boxes
// contradict each other is refused as InvalidArgument (the API's 422), each
// error naming the box's cell and defined name.
TEST_CASE("A job's workbook with two boxes ticked for one answer is refused naming the cell", "[xlsx_import]") {
    Sample s = sampleOf("admission-info");
    std::string x = setText(s.xlsx, "pt_sex.female", "■");  // male is ■ in the sample
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    Poco::JSON::Array::Ptr documents = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr document = new Poco::JSON::Object;
    document->set("sheet", "admission-info");
    std::string base64;
    {
        std::ostringstream out;
        Poco::Base64Encoder encoder(out);
        encoder.rdbuf()->setLineLength(0);
        encoder << x;
        encoder.close();
        base64 = out.str();
    }
    document->set("workbook", base64);
    documents->add(document);
    body->set("documents", documents);
    auto r = app::withImportedWorkbooks(body, *Env::get().templates, xlsx_import::ReadLimits());
    REQUIRE_FALSE(r.isOk());
    CHECK(r.status().code() == common::Status::Code::InvalidArgument);
    bool named = false;
    for (const auto& e : r.status().fieldErrors()) {
        INFO(e.field << " " << e.code << " " << e.message);
        if (e.code != "too_many_choices") continue;
        named = true;
        CHECK(e.field.find("pt_sex") != std::string::npos);
        CHECK(e.message.find("「性別」") != std::string::npos);
        CHECK(e.message.find("(セル '1枚目'!$") != std::string::npos);
        CHECK(e.message.find("名前 pt_sex.female)") != std::string::npos);
    }
    CHECK(named);
}

// openpyxl (python3-openpyxl, Debian's 3.0) writes the whole package anew and
// drops custom document properties: the workbook is still known by its
// defined names RenkeiSheetId and RenkeiTemplateVersion. Every sheet's
// workbooks come back with the same fields; edits made through openpyxl's
// own API (a datetime, text typed into a date cell, text replaced) import.
TEST_CASE("Workbooks saved by openpyxl import: every sheet round trips, and its edits come through",
          "[xlsx_import][openpyxl]") {
    INFO("openpyxl is a test dependency: run scripts/install-deps (python3-openpyxl)");
    REQUIRE(testing_support::run({"/usr/bin/python3", "-c", "import openpyxl"}).exitCode == 0);
    Env& env = Env::get();
    testing_support::TempDir dir;
    testing_support::writeFile(dir.file("resave.py"), R"(import datetime, sys, openpyxl
def cell(wb, name):
    title, coordinate = next(wb.defined_names.get(name).destinations)
    return wb[title][coordinate.replace('$', '')]
for path in sys.argv[1:]:
    wb = openpyxl.load_workbook(path)
    if path.endswith('edit.xlsx'):
        cell(wb, 'pt_address').value = '北海道上川郡東神楽町テスト1番地'
        cell(wb, 'pt_birth_date').value = datetime.datetime(1941, 2, 3)
        cell(wb, 'doc_date').value = '令和7年11月21日'
    wb.save(path + '.saved.xlsx')
)");
    std::vector<std::string> argv = {"/usr/bin/python3", dir.file("resave.py")};
    std::vector<Sample> samples;
    for (const form::SheetTemplate* sheet : env.templates->all()) {
        samples.push_back(sampleOf(sheet->id));
        argv.push_back(dir.file(sheet->id + ".xlsx"));
        testing_support::writeFile(argv.back(), samples.back().xlsx);
    }
    Sample edited = sampleOf("admission-info");
    argv.push_back(dir.file("admission-info-edit.xlsx"));
    testing_support::writeFile(argv.back(), edited.xlsx);
    auto saved = testing_support::run(argv);
    INFO(saved.output);
    REQUIRE(saved.exitCode == 0);

    for (const Sample& s : samples) {
        INFO(s.sheet->id);
        const std::string xlsx = testing_support::readFile(dir.file(s.sheet->id + ".xlsx.saved.xlsx"));
        REQUIRE_THROWS(xlsx_import_test::part(xlsx, "docProps/custom.xml"));  // openpyxl dropped it
        auto imported = xlsx_import::importWorkbook(*s.sheet, xlsx);
        REQUIRE(imported.isOk());
        CHECK(imported->problems.empty());
        auto again = env.service->validate(s.sheet->id, imported->fields);
        REQUIRE(again.isOk());
        CHECK(sameFields(*s.sheet, s.data, again.value()) == "");
    }
    auto imported = xlsx_import::importWorkbook(
        *edited.sheet, testing_support::readFile(dir.file("admission-info-edit.xlsx.saved.xlsx")));
    REQUIRE(imported.isOk());
    std::string problems;
    for (const auto& p : imported->problems) problems += p.field + " " + p.code + " " + p.message + "\n";
    CHECK(problems == "");
    CHECK(str(imported->fields, "pt_address") == "北海道上川郡東神楽町テスト1番地");
    CHECK(str(imported->fields, "pt_birth_date") == "1941-02-03");
    CHECK(str(imported->fields, "doc_date") == "2025-11-21");
    // Another sheet's workbook saved by openpyxl is still refused as such.
    auto other = xlsx_import::importWorkbook(*env.templates->find("physician-contact"),
                                             testing_support::readFile(dir.file("admission-info.xlsx.saved.xlsx")));
    REQUIRE_FALSE(other.isOk());
    CHECK(other.status().fieldErrors().front().code == "wrong_sheet");
}

// A box row whose notes do not fit prints them on the 別紙 (※1, ※2 …). In
// the workbook the moved notes' cells show 別紙参照, never the note cut off
// by its narrow cell; the whole note is on the 別紙 sheet and in the hidden
// sheet (<note>._cont), and comes back whole on import.
TEST_CASE("Notes the PDF moves to the 別紙 show 別紙参照 in their workbook cells and import whole", "[xlsx_import]") {
    Env& env = Env::get();
    const form::SheetTemplate* sheet = env.templates->find("admission-info");
    auto fields = bench::loadSampleFields(testing_support::sourcePath("templates"), sheet->id).value();
    const std::string note = "長い補足説明をここに記入します。長い補足説明をここに記入しま";  // 30 characters
    std::vector<std::string> notes;
    for (const auto& [key, value] : *fields)
        if (key.size() > 5 && key.compare(key.size() - 5, 5, "_note") == 0 && value.isString()) notes.push_back(key);
    REQUIRE(notes.size() >= 4);
    for (const auto& key : notes) fields->set(key, note);
    form::FormData data = env.service->validate(sheet->id, fields).value();
    const std::string xlsx = env.renderXlsx(*sheet, data);
    auto wb = xlsx_import::readWorkbook(xlsx);
    REQUIRE(wb.isOk());
    int moved = 0;
    for (const auto& [name, ref] : wb->names) {
        if (name.size() < 5 || name.compare(name.size() - 5, 5, ".note") != 0) continue;
        const xlsx_import::CellValue* shown = wb->cell(ref);
        if (!shown || shown->type == xlsx_import::CellType::Number) continue;  // no note, or a grade
        if (shown->text != layout::kSeeAttachment) {
            CHECK(shown->text == note);  // printed in its box in the PDF too
            continue;
        }
        ++moved;
        INFO(name);
        auto whole = wb->names.find(render::continuedNameFor(name));
        REQUIRE(whole != wb->names.end());
        REQUIRE(wb->cell(whole->second));
        CHECK(wb->cell(whole->second)->text == note);
    }
    CHECK(moved >= 3);  // the sample's rows with two or more chosen notes overflow
    auto imported = xlsx_import::importWorkbook(*sheet, xlsx);
    REQUIRE(imported.isOk());
    CHECK(imported->problems.empty());
    for (const auto& key : notes) {
        INFO(key);
        CHECK(str(imported->fields, key) == note);
    }
}
