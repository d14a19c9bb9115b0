// render::renderXlsx on a hand-made layout: two grid pages and a 別紙 page.
// The workbook is unzipped and its XML parts read with small regex helpers.
#include "render/xlsx_renderer.h"

#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/JSON/Object.h>
#include <Poco/SAX/SAXException.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../form/test_sheet.h"
#include "../layout/fake_measurer.h"
#include "common/utf8.h"
#include "form/validator.h"
#include "layout/layout_builder.h"
#include "test_support.h"

namespace {

using testing_support::TempDir;
using testing_support::zipPart;
using testing_support::zipParts;

// ---- the document ----------------------------------------------------------

const std::string kLongText =
    "自宅では長男夫婦と同居。日中は独居となるため、訪問介護を週3回利用している。"
    "服薬は一包化されており、朝夕の声かけがあれば自己管理できる。"
    "夜間にトイレへ行く際にふらつきがあり、昨年12月に転倒歴あり。"
    "食事は常食、むせ込みなし。入れ歯は上下とも部分義歯。"
    "本人はできるだけ早く自宅へ戻ることを希望しており、家族も在宅生活の継続を望んでいる。"
    "退院前カンファレンスへの参加を希望します。連絡先は担当ケアマネジャーまで。"
    "Memo: please call before 17:00 on weekdays.";

const std::vector<std::string> kCareLevels = {
    "要支援1（社会的支援を要する状態）", "要支援2（社会的支援を要する状態）",
    "要介護1（部分的な介護を要する状態）", "要介護2（軽度の介護を要する状態）",
    "要介護3（中等度の介護を要する状態）", "要介護4（重度の介護を要する状態）",
    "要介護5（最重度の介護を要する状態）", "申請中"};

layout::Cell label(int row, int col, int colSpan, const std::string& text) {
    layout::Cell c;
    c.row = row;
    c.col = col;
    c.colSpan = colSpan;
    c.borders = {true, true, true, true, 0.5};
    c.value = text;
    c.text.lines.push_back({text, 0});
    return c;
}

layout::Cell entry(int row, int col, int colSpan, const std::string& key, const std::string& value) {
    layout::Cell c = label(row, col, colSpan, value);
    c.fieldKey = key;
    return c;
}

layout::Page gridPage(const std::string& name, int rows, double rowMm, int cols, double colMm) {
    layout::Page p;
    p.name = name;
    p.gridLeftMm = 12;
    p.gridTopMm = 12;
    p.rowHeightsMm.assign(rows, rowMm);
    p.columnWidthsMm.assign(cols, colMm);
    return p;
}

layout::Document makeDocument() {
    layout::Document doc;
    doc.sheetId = "admission-info";
    doc.title = "入院時情報提供シート";
    doc.documentId = "0123456789abcdef0123456789abcdef";
    doc.createdIso = "2025-04-01T15:10:00+09:00";
    doc.marginMm = 12;

    layout::Page p1 = gridPage("1枚目", 10, 6, 48, 186.0 / 48);
    p1.rowHeightsMm[0] = 9;
    layout::Cell title = label(0, 0, 48, "入院時情報提供シート");
    title.borders = {};
    title.text.fontSizePt = 14;
    title.text.hAlign = layout::HAlign::Center;
    p1.cells.push_back(title);
    p1.cells.push_back(label(1, 0, 6, "氏名"));
    p1.cells.push_back(entry(1, 6, 12, "pt_name", "山田 太郎"));
    p1.cells.push_back(label(2, 0, 6, "性別"));
    layout::Cell sex = entry(2, 6, 8, "pt_sex", "男");
    sex.choices = {"男", "女"};
    p1.cells.push_back(sex);
    p1.cells.push_back(label(3, 0, 6, "年齢"));
    layout::Cell age = entry(3, 6, 4, "pt_age", "85");
    age.numeric = true;
    age.text.hAlign = layout::HAlign::Right;
    p1.cells.push_back(age);
    p1.cells.push_back(label(4, 0, 6, "特記事項"));
    layout::Cell notes = entry(4, 6, 42, "notes", kLongText);
    notes.rowSpan = 2;
    notes.text.vAlign = layout::VAlign::Top;
    p1.cells.push_back(notes);
    p1.cells.push_back(label(6, 0, 6, "電話"));
    p1.cells.push_back(entry(6, 6, 12, "tel1", "03-1234-5678"));
    p1.cells.push_back(label(7, 0, 6, "要介護度"));
    layout::Cell care = entry(7, 6, 20, "care_level", kCareLevels[2]);
    care.choices = kCareLevels;
    p1.cells.push_back(care);
    doc.pages.push_back(p1);

    layout::Page extra;
    extra.name = "別紙1";
    extra.continuation = true;
    doc.pages.push_back(extra);

    layout::Page p2 = gridPage("2枚目", 5, 8, 10, 18.6);
    p2.cells.push_back(entry(0, 0, 10, "pt_name", "山田 太郎"));  // second cell of a field: named pt_name._2
    p2.cells.push_back(entry(1, 0, 10, "doc_date", "令和7年4月1日"));
    layout::Cell sex2 = entry(2, 0, 3, "family_sex", "女");
    sex2.choices = {"男", "女"};
    p2.cells.push_back(sex2);
    p2.cells.push_back(entry(3, 0, 10, "memo", ""));  // an empty entry cell
    doc.pages.push_back(p2);
    return doc;
}

// ---- reading the workbook --------------------------------------------------

std::string unescapeXml(std::string s) {
    const std::pair<const char*, const char*> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities)
        for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, strlen(from), to);
    return s;
}

// Every match of pattern in text, each as its groups (0 = the whole match).
using Match = std::vector<std::string>;
std::vector<Match> allMatches(const std::string& text, const std::string& pattern) {
    std::vector<Match> out;
    std::regex re(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
        Match groups;
        for (size_t i = 0; i < it->size(); ++i) groups.push_back(it->str(i));
        out.push_back(groups);
    }
    return out;
}

std::string attr(const std::string& tag, const std::string& name) {
    std::smatch m;
    return std::regex_search(tag, m, std::regex("\\b" + name + "=\"([^\"]*)\"")) ? unescapeXml(m[1]) : "";
}

struct Workbook {
    std::string path;
    std::vector<std::string> parts;
    std::vector<std::string> sheetNames;          // in order
    std::map<std::string, std::string> sheetXml;  // name -> xml
    std::map<std::string, std::string> hidden;    // name -> state
    std::map<std::string, std::string> names;     // global defined names -> formula
    std::vector<std::string> sharedStrings;
    std::string styles;

    explicit Workbook(const std::string& file) : path(file), parts(zipParts(file)) {
        std::map<std::string, std::string> targets;
        for (const auto& m : allMatches(zipPart(file, "xl/_rels/workbook.xml.rels"), "<Relationship [^>]*/>"))
            targets[attr(m[0], "Id")] = attr(m[0], "Target");
        const std::string workbook = zipPart(file, "xl/workbook.xml");
        for (const auto& m : allMatches(workbook, "<sheet [^>]*/>")) {
            std::string name = attr(m[0], "name");
            sheetNames.push_back(name);
            sheetXml[name] = zipPart(file, "xl/" + targets[attr(m[0], "r:id")]);
            hidden[name] = attr(m[0], "state");
        }
        for (const auto& m : allMatches(workbook, "<definedName ([^>]*)>([^<]*)</definedName>"))
            if (attr(m[1], "localSheetId").empty()) names[attr(m[1], "name")] = unescapeXml(m[2]);
        for (const auto& si : allMatches(zipPart(file, "xl/sharedStrings.xml"), "<si>([\\s\\S]*?)</si>")) {
            std::string text;
            for (const auto& t : allMatches(si[1], "<t[^>]*>([^<]*)</t>")) text += unescapeXml(t[1]);
            sharedStrings.push_back(text);
        }
        styles = zipPart(file, "xl/styles.xml");
    }

    // The <c> element of a cell ("C5"), empty when the cell is not written.
    std::string cellElement(const std::string& sheet, const std::string& ref) const {
        std::smatch m;
        const std::string& xml = sheetXml.at(sheet);
        std::regex re("<c r=\"" + ref + "\"[^>]*?(/>|>[\\s\\S]*?</c>)");
        return std::regex_search(xml, m, re) ? m.str() : "";
    }

    // What the cell shows: its inline or shared string, or its number as written.
    std::string cellValue(const std::string& sheet, const std::string& ref) const {
        std::string c = cellElement(sheet, ref);
        if (attr(c.substr(0, c.find('>')), "t") == "inlineStr") {
            std::string text;
            for (const auto& t : allMatches(c, "<t[^>]*>([^<]*)</t>")) text += unescapeXml(t[1]);
            return text;
        }
        std::smatch v;
        if (!std::regex_search(c, v, std::regex("<v>([^<]*)</v>"))) return "";
        if (attr(c.substr(0, c.find('>')), "t") == "s") return sharedStrings.at(std::stoul(v.str(1)));
        return v.str(1);
    }

    // The <xf> of cellXfs with this index, as text.
    std::string cellXf(int index) const {
        std::smatch m;
        std::regex_search(styles, m, std::regex("<cellXfs[^>]*>([\\s\\S]*?)</cellXfs>"));
        auto xfs = allMatches(m[1], "<xf [^>]*?(/>|>[\\s\\S]*?</xf>)");
        return xfs.at(index)[0];
    }

    // The style Excel shows a cell in: its own, or its row's for a cell the
    // row's XML leaves out, or the default (0).
    int effectiveStyle(const std::string& sheet, const std::string& ref) const {
        std::string c = cellElement(sheet, ref);
        if (!c.empty()) {
            std::string s = attr(c.substr(0, c.find('>')), "s");
            return s.empty() ? 0 : std::stoi(s);
        }
        const std::string row = ref.substr(ref.find_first_of("0123456789"));
        std::smatch m;
        if (!std::regex_search(sheetXml.at(sheet), m, std::regex("<row r=\"" + row + "\"[^>]*>"))) return 0;
        return attr(m[0], "customFormat") == "1" ? std::stoi(attr(m[0], "s")) : 0;
    }

    std::string cellXfOf(const std::string& sheet, const std::string& ref) const {
        std::string c = cellElement(sheet, ref);
        return cellXf(std::stoi(attr(c.substr(0, c.find('>')), "s")));
    }

    // Row heights in points by 1-based row number.
    std::map<int, double> rowHeights(const std::string& sheet) const {
        std::map<int, double> heights;
        for (const auto& m : allMatches(sheetXml.at(sheet), "<row [^>]*>"))
            heights[std::stoi(attr(m[0], "r"))] = std::stod(attr(m[0], "ht"));
        return heights;
    }
};

// "'1枚目'!$G$2" -> {"1枚目", "G2"}
std::pair<std::string, std::string> splitReference(const std::string& formula) {
    std::smatch m;
    REQUIRE(std::regex_match(formula, m, std::regex("'(.+)'!\\$([A-Z]+)\\$([0-9]+)")));
    return {m.str(1), m.str(2) + m.str(3)};
}

std::string renderToFile(const layout::Document& doc, const TempDir& dir, const std::string& name = "out.xlsx") {
    render::XlsxOptions options;
    options.tempDir = dir.path();
    auto result = render::renderXlsx(doc, options);
    INFO(result.status().toString());
    REQUIRE(result.isOk());
    std::string path = dir.file(name);
    testing_support::writeFile(path, *result);
    return path;
}

std::string cellRef(int row, int col) {
    std::string letters;
    for (int c = col + 1; c > 0; c = (c - 1) / 26) letters.insert(letters.begin(), char('A' + (c - 1) % 26));
    return letters + std::to_string(row + 1);
}

uint16_t le16(const std::string& b, size_t at) {
    return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}

}  // namespace

TEST_CASE("Each page becomes one worksheet named after it, a continuation page a 別紙 worksheet (issue 17)") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    REQUIRE(wb.sheetNames.size() == 4);
    CHECK(wb.sheetNames[0] == "1枚目");
    CHECK(wb.sheetNames[1] == "別紙");
    CHECK(wb.sheetNames[2] == "2枚目");
    CHECK(wb.hidden["1枚目"].empty());
    CHECK(wb.hidden["別紙"].empty());
    CHECK(wb.hidden["2枚目"].empty());
    // The last sheet holds the drop-down list too long to write inline.
    CHECK(wb.sheetNames[3] == "_choices");
    CHECK(wb.hidden["_choices"] == "hidden");
}

TEST_CASE("Every entry cell has a defined name: the first of a field its key, a copy <key>._2") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    const std::map<std::string, std::pair<std::string, std::string>> expected = {
        {"pt_name", {"'1枚目'!$G$2", "山田 太郎"}},
        {"pt_name._2", {"'2枚目'!$A$1", "山田 太郎"}},
        {"pt_sex", {"'1枚目'!$G$3", "男"}},
        {"pt_age", {"'1枚目'!$G$4", "85"}},
        {"notes", {"'1枚目'!$G$5", kLongText}},
        {"_tel1", {"'1枚目'!$G$7", "03-1234-5678"}},
        {"care_level", {"'1枚目'!$G$8", kCareLevels[2]}},
        {"doc_date", {"'2枚目'!$A$2", "令和7年4月1日"}},
        {"family_sex", {"'2枚目'!$A$3", "女"}},
        {"memo", {"'2枚目'!$A$4", ""}},
    };
    // Besides the entry cells: the sheet id (and template version, when the
    // document has one) as text constants.
    REQUIRE(wb.names.count("RenkeiSheetId") == 1);
    CHECK(wb.names.size() == expected.size() + 1 + wb.names.count("RenkeiTemplateVersion"));
    for (const auto& [name, want] : expected) {
        INFO(name);
        REQUIRE(wb.names.count(name) == 1);
        CHECK(wb.names[name] == want.first);
        auto [sheet, cell] = splitReference(wb.names[name]);
        CHECK(wb.cellValue(sheet, cell) == want.second);
    }
}

TEST_CASE("A field key Excel would read as a cell reference gets a leading underscore") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    CHECK(wb.names.count("tel1") == 0);
    CHECK(wb.names.count("_tel1") == 1);
}

TEST_CASE("A numeric cell is written as a number and text cells as inline strings") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    std::string age = wb.cellElement("1枚目", "G4");
    CHECK(age.find("t=\"") == std::string::npos);
    CHECK(age.find("<v>85</v>") != std::string::npos);
    CHECK(wb.cellElement("1枚目", "G2").find("t=\"inlineStr\"") != std::string::npos);
}

TEST_CASE("Cells spanning several rows or columns are merged") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    const std::string& sheet = wb.sheetXml["1枚目"];
    CHECK(sheet.find("<mergeCells count=\"13\">") != std::string::npos);
    for (const char* ref : {"A1:AV1", "A2:F2", "G2:R2", "G5:AV6", "G8:Z8"}) {
        INFO(ref);
        CHECK(sheet.find("<mergeCell ref=\"" + std::string(ref) + "\"/>") != std::string::npos);
    }
    // Every cell of a merged range shows the format, so all its edges get their borders.
    const int style = wb.effectiveStyle("1枚目", "G5");
    CHECK(style != 0);
    CHECK(wb.effectiveStyle("1枚目", "AV6") == style);
    CHECK(wb.effectiveStyle("1枚目", "G6") == style);
}

TEST_CASE("Every cell of a merged range shows the range's format and cells outside any range show none") {
    // Excel draws a merged range's borders from the cells along its edges:
    // an edge cell left unformatted would leave a gap in the outline. Blanks
    // that share their row's format are left out of the XML, so what is
    // checked is the format Excel shows, the row's for a missing cell.
    TempDir dir;
    const layout::Document doc = makeDocument();
    Workbook wb(renderToFile(doc, dir));
    int checked = 0, rowFormats = 0;
    for (const layout::Page& page : doc.pages) {
        if (page.continuation) continue;
        rowFormats += static_cast<int>(allMatches(wb.sheetXml[page.name], "<row [^>]*customFormat=\"1\"").size());
        for (size_t r = 0; r < page.rowHeightsMm.size(); ++r)
            for (size_t c = 0; c < page.columnWidthsMm.size(); ++c) {
                const layout::Cell* owner = nullptr;
                for (const layout::Cell& cell : page.cells)
                    if (int(r) >= cell.row && int(r) < cell.row + cell.rowSpan && int(c) >= cell.col &&
                        int(c) < cell.col + cell.colSpan)
                        owner = &cell;
                const std::string ref = cellRef(int(r), int(c));
                INFO(page.name << " " << ref);
                const std::string xf = wb.cellXf(wb.effectiveStyle(page.name, ref));
                if (owner) {
                    CHECK(wb.effectiveStyle(page.name, ref) ==
                          wb.effectiveStyle(page.name, cellRef(owner->row, owner->col)));
                } else {
                    CHECK(attr(xf, "borderId") == "0");
                    CHECK(xf.find("locked=\"0\"") == std::string::npos);
                }
                ++checked;
            }
    }
    CHECK(checked == 10 * 48 + 5 * 10);
    CHECK(rowFormats > 0);  // the test reads row formats, not only cells
}

TEST_CASE("Columns past the grid are hidden, so row formats end with the form") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    for (const auto& [sheet, first] : {std::pair<std::string, int>{"1枚目", 49}, {"2枚目", 11}}) {
        INFO(sheet);
        const auto cols = allMatches(wb.sheetXml[sheet], "<col [^>]*/>");
        REQUIRE_FALSE(cols.empty());
        const std::string last = cols.back()[0];
        CHECK(attr(last, "min") == std::to_string(first));
        CHECK(attr(last, "max") == "16384");
        CHECK(attr(last, "hidden") == "1");
        for (size_t i = 0; i + 1 < cols.size(); ++i) CHECK(attr(cols[i][0], "hidden").empty());
    }
}

TEST_CASE("A cell with choices gets a drop-down list") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    const std::string& p1 = wb.sheetXml["1枚目"];
    CHECK(std::regex_search(p1, std::regex("<dataValidation type=\"list\"[^>]*sqref=\"G3:N3\"><formula1>\"男,女\"</formula1>")));
    CHECK(std::regex_search(wb.sheetXml["2枚目"],
                            std::regex("<dataValidation type=\"list\"[^>]*sqref=\"A3:C3\"><formula1>\"男,女\"</formula1>")));
}

TEST_CASE("A choice list longer than 255 bytes is read from the hidden sheet") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    std::smatch m;
    REQUIRE(std::regex_search(wb.sheetXml["1枚目"], m,
                              std::regex("<dataValidation type=\"list\"[^>]*sqref=\"G8:Z8\"><formula1>([^<]*)</formula1>")));
    CHECK(unescapeXml(m[1]) == "'_choices'!$A$1:$A$8");
    for (size_t i = 0; i < kCareLevels.size(); ++i) CHECK(wb.cellValue("_choices", "A" + std::to_string(i + 1)) == kCareLevels[i]);
}

TEST_CASE("A choice with a comma in it is read from the hidden sheet, which holds each list once") {
    layout::Document doc = makeDocument();
    layout::Cell a = entry(4, 0, 5, "payer_a", "国保,後期");
    a.choices = {"国保,後期", "社保"};
    layout::Cell b = entry(4, 5, 5, "payer_b", "社保");
    b.choices = a.choices;
    doc.pages[2].cells.push_back(a);
    doc.pages[2].cells.push_back(b);
    TempDir dir;
    Workbook wb(renderToFile(doc, dir));
    const std::string& p2 = wb.sheetXml["2枚目"];
    CHECK(std::regex_search(p2, std::regex("sqref=\"A5:E5\"><formula1>'_choices'!\\$B\\$1:\\$B\\$2</formula1>")));
    CHECK(std::regex_search(p2, std::regex("sqref=\"F5:J5\"><formula1>'_choices'!\\$B\\$1:\\$B\\$2</formula1>")));
    CHECK(wb.cellValue("_choices", "B1") == "国保,後期");
    CHECK(wb.cellValue("_choices", "B2") == "社保");
    CHECK(wb.cellElement("_choices", "C1").empty());
}

TEST_CASE("Sheets are protected without a password and only entry cells are unlocked") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    for (const char* sheet : {"1枚目", "2枚目"}) {
        INFO(sheet);
        std::smatch m;
        REQUIRE(std::regex_search(wb.sheetXml[sheet], m, std::regex("<sheetProtection [^>]*/>")));
        CHECK(attr(m[0], "sheet") == "1");
        CHECK(attr(m[0], "password").empty());
        CHECK(attr(m[0], "formatColumns") == "0");  // "0": not protected, users may resize
        CHECK(attr(m[0], "formatRows") == "0");
        CHECK(attr(m[0], "selectLockedCells").empty());
        CHECK(attr(m[0], "selectUnlockedCells").empty());
    }
    CHECK(wb.styles.find("<protection locked=\"0\"/>") != std::string::npos);
    CHECK(wb.cellXfOf("1枚目", "G2").find("<protection locked=\"0\"/>") != std::string::npos);
    CHECK(wb.cellXfOf("1枚目", "G4").find("<protection locked=\"0\"/>") != std::string::npos);
    CHECK(wb.cellXfOf("2枚目", "A4").find("<protection locked=\"0\"/>") != std::string::npos);  // empty entry
    CHECK(wb.cellXfOf("1枚目", "A2").find("<protection") == std::string::npos);
    CHECK(wb.cellXfOf("1枚目", "A1").find("<protection") == std::string::npos);
}

TEST_CASE("Cells keep their alignment, font size, borders and wrapping") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    std::string title = wb.cellXfOf("1枚目", "A1");
    CHECK(title.find("horizontal=\"center\"") != std::string::npos);
    CHECK(title.find("wrapText=\"1\"") != std::string::npos);
    CHECK(attr(title, "borderId") == "0");
    std::string notes = wb.cellXfOf("1枚目", "G5");
    CHECK(notes.find("vertical=\"top\"") != std::string::npos);
    CHECK(notes.find("wrapText=\"1\"") != std::string::npos);
    CHECK(attr(notes, "borderId") != "0");
    CHECK(wb.cellXfOf("1枚目", "G4").find("horizontal=\"right\"") != std::string::npos);
    CHECK(wb.styles.find("<sz val=\"14\"/>") != std::string::npos);
    CHECK(wb.styles.find("<sz val=\"9\"/>") != std::string::npos);
    CHECK(wb.styles.find("<left style=\"thin\">") != std::string::npos);
}

TEST_CASE("Every cell's font is MS Gothic, the default font Courier New 10 pt, the unit of column widths") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    auto names = allMatches(wb.styles, "<name val=\"([^\"]*)\"/>");
    REQUIRE(names.size() >= 3);
    // Font 0 is the Normal style's: Excel and LibreOffice both draw its
    // digits 8 px wide (see kColumnUnitFont), so the columns are as wide in both.
    CHECK(names[0][1] == "Courier New");
    CHECK(wb.styles.find("<font><sz val=\"10\"/>") == wb.styles.find("<font>"));
    for (size_t i = 1; i < names.size(); ++i) CHECK(names[i][1] == "ＭＳ ゴシック");
    CHECK(wb.styles.find("<scheme") == std::string::npos);  // a theme font would override the name
    for (const char* cell : {"A1", "A2", "G2", "G5"}) {
        INFO(cell);
        CHECK(attr(wb.cellXfOf("1枚目", cell), "fontId") != "0");
    }
}

TEST_CASE("Pages print on one A4 portrait sheet with the document's margins and no gridlines") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    for (const char* sheet : {"1枚目", "2枚目"}) {
        INFO(sheet);
        const std::string& xml = wb.sheetXml[sheet];
        std::smatch m;
        REQUIRE(std::regex_search(xml, m, std::regex("<pageSetup [^>]*/>")));
        CHECK(attr(m[0], "paperSize") == "9");
        CHECK(attr(m[0], "orientation") == "portrait");
        // libxlsxwriter leaves out fitToWidth/fitToHeight when they are 1, the schema default.
        // At 100 %, never fitted to the page (issue 17): the grid is the page.
        CHECK((attr(m[0], "scale").empty() || attr(m[0], "scale") == "100"));
        CHECK(xml.find("fitToPage") == std::string::npos);
        REQUIRE(std::regex_search(xml, m, std::regex("<pageMargins [^>]*/>")));
        for (const char* side : {"left", "right", "top", "bottom"}) CHECK(std::stod(attr(m[0], side)) == Approx(12 / 25.4));
        CHECK(xml.find("gridLines=\"1\"") == std::string::npos);
    }
    const std::string workbook = zipPart(wb.path, "xl/workbook.xml");
    CHECK(workbook.find("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">'1枚目'!$A$1:$AV$10</definedName>") !=
          std::string::npos);
    CHECK(workbook.find("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"2\">'2枚目'!$A$1:$J$5</definedName>") !=
          std::string::npos);
}

TEST_CASE("Column widths add up to the grid width in Excel's pixels for the default font") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    for (const auto& [sheet, widthMm, cols] : {std::make_tuple("1枚目", 186.0, 48), std::make_tuple("2枚目", 186.0, 10)}) {
        INFO(sheet);
        auto colTags = allMatches(wb.sheetXml[sheet], "<col [^>]*/>");
        int px = 0, count = 0;
        for (const auto& c : colTags) {
            if (attr(c[0], "hidden") == "1") continue;  // past the grid
            int n = std::stoi(attr(c[0], "max")) - std::stoi(attr(c[0], "min")) + 1;
            // ECMA-376 18.3.1.13 with a maximum digit width of 8 px.
            px += n * static_cast<int>(std::stod(attr(c[0], "width")) * 8 + 0.5);
            count += n;
        }
        CHECK(count == cols);
        CHECK(std::abs(px - widthMm * 96 / 25.4) <= 1.0);
    }
}

TEST_CASE("Rows keep their designed heights and long text is shown smaller instead (issue 17)") {
    TempDir dir;
    Workbook wb(renderToFile(makeDocument(), dir));
    auto heights = wb.rowHeights("1枚目");
    REQUIRE(heights.size() == 10);
    CHECK(heights[1] == Approx(9 * 72 / 25.4).margin(0.75));
    for (int r = 2; r <= 10; ++r) CHECK(heights[r] == Approx(6 * 72 / 25.4).margin(0.75));

    // Rows 5 and 6 hold the long note: 42 columns (about 163 mm) by 12 mm.
    // At 9 pt it needs more lines than 12 mm hold, so it is shown smaller:
    // small enough that its lines (1.2 em each) fit the two rows.
    const std::string xf = wb.cellXfOf("1枚目", "G5");
    std::vector<std::string> fonts;
    const size_t begin = wb.styles.find("<fonts"), end = wb.styles.find("</fonts>");
    REQUIRE(end != std::string::npos);
    const std::string list = wb.styles.substr(begin, end - begin);
    for (size_t at = list.find("<font>"); at != std::string::npos; at = list.find("<font>", at + 1))
        fonts.push_back(list.substr(at, list.find("</font>", at) - at));
    const size_t fontId = std::stoul(attr(xf, "fontId"));
    REQUIRE(fontId < fonts.size());
    const double sizePt = std::stod(attr(fonts[fontId], "val"));
    CHECK(sizePt < 9);
    CHECK(sizePt >= 7);  // sheets.md: never below 7 pt
    double widthPt = 42 * 186.0 / 48 * 72 / 25.4;
    double textEm = 0;
    for (size_t i = 0; i < kLongText.size();) {
        unsigned char b = static_cast<unsigned char>(kLongText[i]);
        bool ascii = b < 0x80;
        textEm += ascii ? 0.5 : 1.0;
        i += ascii ? 1 : (b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2);
    }
    const int lines = static_cast<int>(std::ceil(textEm * sizePt / widthPt));
    INFO("size " << sizePt << " pt, lines: " << lines);
    CHECK(lines * sizePt * 1.2 <= 12 * 72 / 25.4);
}

namespace {

// A row of boxes as the layout splits it (layout::Cell::sheetParts): box,
// label, and a note between the brackets of its option.
layout::Document withBoxRow() {
    layout::Document doc = makeDocument();
    layout::Cell row = entry(8, 6, 21, "aids", "杖");
    auto part = [](int col, int span, const std::string& key, const std::string& name, const std::string& value) {
        layout::Cell c = label(8, col, span, value);
        c.borders = {true, false, true, false, 0.5};
        c.fieldKey = key;
        c.entryName = name;
        return c;
    };
    row.sheetParts = {part(6, 1, "aids", "aids.cane", "■"), part(7, 3, "", "", "杖"),
                      part(10, 1, "aids", "aids.other", "□"), part(11, 3, "", "", "その他("),
                      part(14, 6, "aids_note", "aids.other.note", "シルバーカー"), part(20, 1, "", "", ")"),
                      part(21, 6, "", "", "")};
    row.sheetParts[0].choices = row.sheetParts[2].choices = {"■", "□"};
    row.sheetParts[0].borders.left = row.sheetParts.back().borders.right = true;
    doc.pages[0].cells.push_back(row);
    return doc;
}

}  // namespace

TEST_CASE("A cell split into parts is written as its parts: each box a ■/□ drop-down, labels locked, notes named") {
    TempDir dir;
    Workbook wb(renderToFile(withBoxRow(), dir));
    CHECK(wb.names.count("aids") == 0);  // the parts are named, not the row
    CHECK(wb.names["aids.cane"] == "'1枚目'!$G$9");
    CHECK(wb.names["aids.other"] == "'1枚目'!$K$9");
    CHECK(wb.names["aids.other.note"] == "'1枚目'!$O$9");
    CHECK(wb.cellValue("1枚目", "G9") == "■");
    CHECK(wb.cellValue("1枚目", "H9") == "杖");
    CHECK(wb.cellValue("1枚目", "K9") == "□");
    CHECK(wb.cellValue("1枚目", "O9") == "シルバーカー");
    CHECK(wb.cellValue("1枚目", "U9") == ")");
    const std::string& xml = wb.sheetXml["1枚目"];
    for (const char* box : {"G9", "K9"}) {
        INFO(box);
        CHECK(std::regex_search(xml, std::regex(std::string("<dataValidation type=\"list\"[^>]*sqref=\"") + box +
                                                "\"><formula1>\"■,□\"</formula1>")));
        CHECK(wb.cellXfOf("1枚目", box).find("<protection locked=\"0\"/>") != std::string::npos);
    }
    CHECK(wb.cellXfOf("1枚目", "O9").find("<protection locked=\"0\"/>") != std::string::npos);
    for (const char* text : {"H9", "L9", "U9", "V9"}) CHECK(wb.cellXfOf("1枚目", text).find("<protection") == std::string::npos);
    CHECK(xml.find("<mergeCell ref=\"O9:T9\"/>") != std::string::npos);
    CHECK(xml.find("<mergeCell ref=\"G9:AA9\"/>") == std::string::npos);
}

TEST_CASE("Parts that overlap each other or leave their cell are refused") {
    layout::Document doc = withBoxRow();
    doc.pages[0].cells.back().sheetParts[1].col = 6;  // onto the first box
    TempDir dir;
    render::XlsxOptions options;
    options.tempDir = dir.path();
    auto r = render::renderXlsx(doc, options);
    REQUIRE_FALSE(r.isOk());
    CHECK(r.status().message().find("overlaps") != std::string::npos);
}

TEST_CASE("Two renders of the same document are byte-identical, with fixed dates") {
    TempDir dir;
    std::string a = testing_support::readFile(renderToFile(makeDocument(), dir, "a.xlsx"));
    std::string b = testing_support::readFile(renderToFile(makeDocument(), dir, "b.xlsx"));
    CHECK(a == b);

    std::string core = zipPart(dir.file("a.xlsx"), "docProps/core.xml");
    CHECK(core.find("<dc:title>入院時情報提供シート</dc:title>") != std::string::npos);
    CHECK(core.find(">2025-04-01T06:10:00Z</dcterms:created>") != std::string::npos);
    CHECK(core.find(">2025-04-01T06:10:00Z</dcterms:modified>") != std::string::npos);

    // Every zip entry is dated 1980-01-01 00:00, like Excel's own files.
    int entries = 0;
    for (size_t at = a.find("PK\x03\x04"); at != std::string::npos; at = a.find("PK\x03\x04", at + 4)) {
        CHECK(le16(a, at + 10) == 0);                          // time
        CHECK(le16(a, at + 12) == ((0 << 9) | (1 << 5) | 1));  // date
        ++entries;
    }
    CHECK(entries == static_cast<int>(zipParts(dir.file("a.xlsx")).size()));
}

TEST_CASE("Renders on several threads at once give each document its own bytes") {
    TempDir dir;
    layout::Document other = makeDocument();
    other.createdIso = "2024-12-31T23:59:59Z";
    render::XlsxOptions options;
    options.tempDir = dir.path();
    const std::string expectedA = *render::renderXlsx(makeDocument(), options);
    const std::string expectedB = *render::renderXlsx(other, options);
    REQUIRE(expectedA != expectedB);

    constexpr int kThreads = 8, kRounds = 5;
    std::vector<int> mismatches(kThreads, 0);
    std::vector<std::thread> threads;
    const layout::Document docA = makeDocument();
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kRounds; ++i) {
                auto r = render::renderXlsx(t % 2 ? other : docA, options);
                if (!r.isOk() || *r != (t % 2 ? expectedB : expectedA)) ++mismatches[t];
            }
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
    // Nothing is left behind in the temp dir.
    CHECK(testing_support::run({"/usr/bin/find", dir.path(), "-mindepth", "1"}).output.empty());
}

TEST_CASE("A temp dir that cannot be written gives an IOError naming the sheet") {
    render::XlsxOptions options;
    options.tempDir = "/nonexistent/renkei";
    auto result = render::renderXlsx(makeDocument(), options);
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().code() == common::Status::Code::IOError);
    CHECK(result.status().message().find("admission-info") != std::string::npos);
}

TEST_CASE("A broken layout is refused before anything is written") {
    TempDir dir;
    render::XlsxOptions options;
    options.tempDir = dir.path();

    SECTION("a cell outside the grid") {
        layout::Document doc = makeDocument();
        doc.pages[2].cells.push_back(entry(4, 5, 6, "x", "y"));
        auto result = render::renderXlsx(doc, options);
        REQUIRE_FALSE(result.isOk());
        CHECK(result.status().code() == common::Status::Code::Internal);
        CHECK(result.status().message().find("page 3 (2枚目)") != std::string::npos);
    }
    SECTION("overlapping cells") {
        layout::Document doc = makeDocument();
        doc.pages[0].cells.push_back(label(5, 10, 2, "x"));
        auto result = render::renderXlsx(doc, options);
        REQUIRE_FALSE(result.isOk());
        CHECK(result.status().message().find("overlaps") != std::string::npos);
    }
    SECTION("a worksheet name Excel does not allow") {
        layout::Document doc = makeDocument();
        doc.pages[2].name = "2/2";
        CHECK_FALSE(render::renderXlsx(doc, options).isOk());
    }
    SECTION("two worksheets with one name") {
        layout::Document doc = makeDocument();
        doc.pages[2].name = "1枚目";
        CHECK_FALSE(render::renderXlsx(doc, options).isOk());
    }
    SECTION("a creation time that is not ISO 8601") {
        layout::Document doc = makeDocument();
        doc.createdIso = "";
        auto result = render::renderXlsx(doc, options);
        REQUIRE_FALSE(result.isOk());
        CHECK(result.status().message().find("createdIso") != std::string::npos);
    }
    CHECK(testing_support::run({"/usr/bin/find", dir.path(), "-mindepth", "1"}).output.empty());
}

// A real spreadsheet program reads the values back: LibreOffice converts the
// first worksheet to CSV. Its exit code says nothing (it is 0 for a file it
// could not load), so the CSV itself is checked. LibreOffice is a test
// dependency (libreoffice-calc-nogui in scripts/install-deps): without it the
// test fails rather than passes unseen. A profile of its own keeps parallel
// runs from handing the conversion to another run's LibreOffice.
TEST_CASE("LibreOffice opens the workbook and reads its cells") {
    const bool installed = testing_support::run({"/usr/bin/test", "-x", "/usr/bin/libreoffice"}).exitCode == 0;
    INFO("LibreOffice is a test dependency: run scripts/install-deps (libreoffice-calc-nogui)");
    REQUIRE(installed);
    TempDir dir;
    const std::string path = renderToFile(makeDocument(), dir);
    // 44,34,76: comma-separated, double quotes, UTF-8.
    auto r = testing_support::run({"/usr/bin/libreoffice", "-env:UserInstallation=file://" + dir.file("profile"),
                                   "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                                   "--outdir", dir.path(), path});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    const std::string csv = testing_support::readFile(dir.file("out.csv"));
    CHECK(csv.find("入院時情報提供シート") != std::string::npos);
    CHECK(csv.find("山田 太郎") != std::string::npos);
    CHECK(csv.find("85") != std::string::npos);
}

TEST_CASE("Issue 13: no input the validator accepts makes the workbook's XML invalid") {
    const form::SheetTemplate sheet = form::parseTemplate(kTestSheetJson, "test").value();
    std::vector<std::u32string> candidates = {
        U"\t", U"\n", U"\r", U"\r\n", U"\u00A0", U"\uFFFD", U"\uFEFF", U"\u200B", U"\u200D", U"\u2028", U"\u2029",
        U"\uE000", U"\uF929", U"\U000F0000", U"\U00020BB7", U"葛\U000E0100", U"か\u309A", U"\u309A", U"\U000E0100",
        U"<&>\"'", U"]]>", U"\uFFFE", U"\uFFFF", U"\uFDD0", U"\uFDEF", U"\U0001FFFE", U"\U0010FFFF"};
    for (char32_t c = 0; c < 0xA0; ++c) candidates.push_back(std::u32string(1, c));  // C0, ASCII, DEL, C1
    int accepted = 0;
    for (const auto& candidate : candidates) {
        const std::string piece = common::encodeUtf8(candidate);
        INFO("U+" << std::hex << static_cast<unsigned>(candidate[0]) << " (" << candidate.size() << " code points)");
        Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
        fields->set("doc_date", "2025-11-20");
        fields->set("pt_sex", "female");
        fields->set("pt_name", "旭川" + piece + "花子");
        fields->set("memo", "一行目" + piece + "二行目");
        Poco::JSON::Object::Ptr visit = new Poco::JSON::Object;
        visit->set("date", "2025-11-18");
        visit->set("conference", "no");
        visit->set("note", piece + "電話");
        Poco::JSON::Array::Ptr visits = new Poco::JSON::Array;
        visits->add(visit);
        fields->set("visits", visits);
        // A single-line field refuses a line break; the others must still come through.
        if (candidate.find_first_of(U"\r\n") != std::u32string::npos) {
            fields->set("pt_name", "旭川花子");
            visit->set("note", "電話");
        }
        auto data = form::validateFields(sheet, fields);
        if (!data) continue;
        ++accepted;
        FakeMeasurer measurer;
        layout::BuildOptions options;
        options.documentId = "0123456789abcdef0123456789abcdef";
        options.createdIso = "2025-11-20T10:00:00+09:00";
        layout::Document doc = layout::buildDocument(sheet, data.value(), measurer, options);
        TempDir dir;
        const std::string path = renderToFile(doc, dir);
        for (const auto& part : zipParts(path)) {
            if (part.size() < 4 || (part.substr(part.size() - 4) != ".xml" && part.substr(part.size() - 5) != ".rels")) continue;
            INFO(part);
            // unzip reads a name as a pattern: "[[]" stands for the "[" of [Content_Types].xml.
            std::string pattern = part[0] == '[' ? "[[]" + part.substr(1) : part;
            std::string xml = zipPart(path, pattern);
            REQUIRE_FALSE(xml.empty());
            Poco::XML::DOMParser parser;
            CHECK_NOTHROW(Poco::XML::AutoPtr<Poco::XML::Document>(parser.parseString(xml)));
        }
    }
    CHECK(accepted > 100);  // printable ASCII and the rest above: the loop did check workbooks
}
