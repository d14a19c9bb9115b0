// Issue 17: the workbook reader on hostile and odd packages: bombs, too many
// parts, DTDs and entities, broken zips, formulas, 1904 dates.
#include <catch2/catch.hpp>

#include <chrono>

#include "xlsx_import/workbook_reader.h"
#include "xlsx_import_support.h"

using xlsx_import_test::zipAll;

namespace {

const char* kRootRels =
    R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>)"
    R"(</Relationships>)";
const char* kWorkbookRels =
    R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>)"
    R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>)"
    R"(</Relationships>)";

std::string workbookXml(const std::string& pr = "") {
    return R"(<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" )"
           R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)" +
           pr +
           R"(<sheets><sheet name="1枚目" sheetId="1" r:id="rId1"/></sheets><definedNames>)"
           R"(<definedName name="A_text">'1枚目'!$B$2</definedName><definedName name="a_num">'1枚目'!$C$2</definedName>)"
           R"(<definedName name="a_bool">'1枚目'!$D$2</definedName><definedName name="a_formula">'1枚目'!$E$2</definedName>)"
           R"(<definedName name="a_inline">'1枚目'!$F$2</definedName><definedName name="a_gone">#REF!</definedName>)"
           R"(<definedName name="_xlnm.Print_Area" localSheetId="0">'1枚目'!$A$1:$F$9</definedName>)"
           R"(</definedNames></workbook>)";
}

const char* kShared =
    R"(<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)"
    R"(<si><t>旭川</t><rPh sb="0" eb="2"><t>アサヒカワ</t></rPh></si><si><r><t>太</t></r><r><t>郎_x000D_</t></r></si></sst>)";
const char* kSheet =
    R"(<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
    R"(<row r="2"><c r="B2" t="s"><v>1</v></c><c r="C2"><v>45748.5</v></c><c r="D2" t="b"><v>1</v></c>)"
    R"(<c r="E2"><f>1+1</f><v>2</v></c><c r="F2" t="inlineStr"><is><t>手入力</t></is></c></row></sheetData></worksheet>)";

std::vector<std::pair<std::string, std::string>> basicParts(const std::string& workbook = workbookXml()) {
    return {{"_rels/.rels", kRootRels},
            {"xl/workbook.xml", workbook},
            {"xl/_rels/workbook.xml.rels", kWorkbookRels},
            {"xl/sharedStrings.xml", kShared},
            {"xl/worksheets/sheet1.xml", kSheet}};
}

std::string codeOf(const common::Result<xlsx_import::Workbook>& r) {
    if (r.isOk()) return "ok";
    REQUIRE(r.status().fieldErrors().size() == 1);
    CHECK(r.status().fieldErrors()[0].field == "workbook");
    CHECK_FALSE(r.status().fieldErrors()[0].message.empty());
    return r.status().fieldErrors()[0].code;
}

}  // namespace

TEST_CASE("The reader gives shared, rich and inline strings, numbers, booleans and formulas by defined name",
          "[xlsx_import]") {
    auto r = xlsx_import::readWorkbook(zipAll(basicParts()));
    REQUIRE(r.isOk());
    const auto& wb = r.value();
    CHECK_FALSE(wb.date1904);
    REQUIRE(wb.names.count("a_text"));  // names compare without case
    CHECK(xlsx_import::formatCellRef(wb.names.at("a_text")) == "'1枚目'!$B$2");
    CHECK(wb.names.count("a_gone") == 0);
    CHECK(wb.names.count("_xlnm.print_area") == 0);
    const auto* text = wb.cell(wb.names.at("a_text"));
    REQUIRE(text);
    CHECK(text->text == "太郎\r");  // runs joined, _x000D_ decoded
    const auto* num = wb.cell(wb.names.at("a_num"));
    REQUIRE(num);
    CHECK(num->type == xlsx_import::CellType::Number);
    CHECK(num->number == 45748.5);
    CHECK(wb.cell(wb.names.at("a_bool"))->type == xlsx_import::CellType::Bool);
    CHECK(wb.cell(wb.names.at("a_formula"))->formula);
    CHECK(wb.cell(wb.names.at("a_inline"))->text == "手入力");
}

TEST_CASE("Shared strings leave out the phonetic runs Japanese Excel adds", "[xlsx_import]") {
    auto parts = basicParts();
    parts[4].second = R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
                      R"(<row r="2"><c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>)";
    auto r = xlsx_import::readWorkbook(zipAll(parts));
    REQUIRE(r.isOk());
    CHECK(r->cell(r->names.at("a_text"))->text == "旭川");
}

TEST_CASE("The 1904 date system is reported", "[xlsx_import]") {
    auto r = xlsx_import::readWorkbook(zipAll(basicParts(workbookXml(R"(<workbookPr date1904="1"/>)"))));
    REQUIRE(r.isOk());
    CHECK(r->date1904);
}

TEST_CASE("A workbook that is not a zip, or a zip without a workbook, is refused as not_xlsx", "[xlsx_import]") {
    CHECK(codeOf(xlsx_import::readWorkbook("hello, not a workbook")) == "not_xlsx");
    CHECK(codeOf(xlsx_import::readWorkbook("")) == "not_xlsx");
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll({{"readme.txt", "hi"}}))) == "not_xlsx");
    std::string cut = zipAll(basicParts());
    cut.resize(cut.size() / 2);
    CHECK(codeOf(xlsx_import::readWorkbook(cut)) != "ok");
    std::string garbled = zipAll(basicParts());
    for (size_t i = 40; i < garbled.size(); i += 7) garbled[i] = static_cast<char>(garbled[i] ^ 0x5A);
    CHECK(codeOf(xlsx_import::readWorkbook(garbled)) != "ok");
}

TEST_CASE("A zip bomb stops at the part limit, quickly", "[xlsx_import]") {
    auto parts = basicParts();
    parts[4].second = std::string(kSheet).substr(0, 100) + std::string(40u << 20, ' ');  // 40 MB of spaces
    const std::string bomb = zipAll(parts);
    CHECK(bomb.size() < 200000);
    const auto start = std::chrono::steady_clock::now();
    CHECK(codeOf(xlsx_import::readWorkbook(bomb)) == "part_too_large");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    xlsx_import::ReadLimits small;
    small.maxTotalBytes = 500;
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(basicParts()), small)) == "part_too_large");
}

TEST_CASE("Too many parts are refused", "[xlsx_import]") {
    auto parts = basicParts();
    for (int i = 0; i < 300; ++i) parts.emplace_back("xl/media/x" + std::to_string(i) + ".txt", "x");
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(parts))) == "too_many_parts");
}

TEST_CASE("DTDs and entities are refused, never expanded", "[xlsx_import]") {
    const std::string laughs =
        R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>)";
    auto parts = basicParts();
    parts[3].second = laughs + R"(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>)";
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(parts))) == "broken_part");
    parts = basicParts();
    parts[1].second = R"(<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "file:///etc/passwd">)" + workbookXml().substr(38);
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(parts))) == "broken_part");
    parts = basicParts();
    parts[4].second = "<worksheet><sheetData><row><c r=\"B2\" t=\"s\"><v>99</v></c></row></sheetData></worksheet>";
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(parts))) == "broken_part");  // no such shared string
    parts[4].second = "<worksheet><sheetData><row><c r=\"B2\"><v>1</v>";  // cut short
    CHECK(codeOf(xlsx_import::readWorkbook(zipAll(parts))) == "broken_part");
}
