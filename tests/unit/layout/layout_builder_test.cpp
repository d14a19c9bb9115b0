#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "fake_measurer.h"
#include "form/sheet_template.h"
#include "form/validator.h"
#include "layout/layout_builder.h"
#include "../form/test_sheet.h"

using namespace layout;

namespace {

const form::SheetTemplate& sheet() {
    static form::SheetTemplate t = form::parseTemplate(kTestSheetJson, "test").value();
    return t;
}

// Like the real fonts: no glyph for selectors, ZWJ or U+0359, and 葛 has a
// variant for U+E0100 only.
class VariantMeasurer : public FakeMeasurer {
public:
    bool hasGlyph(char32_t c) const override {
        return FakeMeasurer::hasGlyph(c) && !(c >= 0xFE00 && c <= 0xFE0F) && c != 0x200D && c != 0x0359;
    }
    bool hasVariant(char32_t base, char32_t selector) const override { return base == U'葛' && selector == 0xE0100; }
};

Document build(const std::string& fields, MaskMode mask = MaskMode::None) {
    auto obj = Poco::JSON::Parser().parse(fields).extract<Poco::JSON::Object::Ptr>();
    auto data = form::validateFields(sheet(), obj);
    REQUIRE(data);
    VariantMeasurer m;
    BuildOptions options;
    options.documentId = "0123456789abcdef0123456789abcdef";
    options.createdIso = "2025-11-20T10:00:00+09:00";
    options.mask = mask;
    return buildDocument(sheet(), data.value(), m, options);
}

const Cell& cellFor(const Document& doc, const std::string& key, int nth = 0) {
    for (const auto& p : doc.pages)
        for (const auto& c : p.cells)
            if (c.fieldKey == key && nth-- == 0) return c;
    FAIL("no cell for " << key);
    throw std::logic_error("unreachable");
}

std::string printed(const Cell& c) {
    std::string out;
    for (const auto& l : c.text.lines) out += (out.empty() ? "" : "|") + l.text;
    return out;
}

const std::string kBase = R"("doc_date":"2025-11-20","pt_name":"旭川 花子","pt_sex":"female")";

}  // namespace

TEST_CASE("Cells are placed on the grid in millimetres from the paper's corner", "[layout]") {
    Document doc = build("{" + kBase + "}");
    REQUIRE(doc.pages.size() == 1);
    const Cell& date = cellFor(doc, "doc_date");
    CHECK(date.xMm == Approx(12 + 2 * 186.0 / 12));
    CHECK(date.yMm == Approx(12 + 6));
    CHECK(date.widthMm == Approx(4 * 186.0 / 12));
    CHECK(date.heightMm == Approx(6));
    CHECK(date.borders.top);
    CHECK(doc.documentId == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("Values print as the sheet shows them", "[layout]") {
    Document doc = build("{" + kBase +
                         R"(,"pt_birth_date":"1940-03-02","aids":["cane","other"],"aids_note":"シルバーカー","alone":true,)"
                         R"("grades":["physical"],"grades_physical_grade":2,"sent_at":"2025-11-20T15:10:00+09:00",)"
                         R"("visits":[{"date":"2025-11-18","conference":"yes"}]})");
    CHECK(printed(cellFor(doc, "doc_date")) == "令和7年11月20日");
    CHECK(printed(cellFor(doc, "pt_sex")) == "□男　■女");
    CHECK(cellFor(doc, "pt_sex").value == "女");
    CHECK(cellFor(doc, "pt_sex").choices == std::vector<std::string>{"男", "女"});
    CHECK(printed(cellFor(doc, "pt_name")) == "旭川 花子 様");
    CHECK(printed(cellFor(doc, "pt_age")) == "85歳");
    CHECK(printed(cellFor(doc, "pt_birth_date")) == "昭和15年3月2日生");
    CHECK(printed(cellFor(doc, "aids")) == "□なし　■杖　■その他(シルバーカー)");
    CHECK(cellFor(doc, "aids").value == "杖、その他(シルバーカー)");
    CHECK(printed(cellFor(doc, "alone")) == "■日中独居");
    CHECK(printed(cellFor(doc, "grades")) == "■身体(2級)");
    CHECK(printed(cellFor(doc, "sent_at")) == "令和7年11月20日 15時10分");
    CHECK(printed(cellFor(doc, "visits", 0)) == "令和7年11月18日");
    CHECK(printed(cellFor(doc, "visits", 1)) == "有");
}

TEST_CASE("Text too long for its box continues in full on a continuation page", "[layout]") {
    std::string memo;
    for (int i = 0; i < 2000; ++i) memo += "記";
    Document doc = build("{" + kBase + R"(,"memo":")" + memo + "\"}");
    REQUIRE(doc.pages.size() >= 2);
    CHECK(printed(cellFor(doc, "memo")) == "別紙参照");
    CHECK(cellFor(doc, "memo").value == memo);  // the spreadsheet keeps it all
    std::string continued;
    bool headed = false, labelled = false;
    for (size_t i = 1; i < doc.pages.size(); ++i) {
        CHECK(doc.pages[i].continuation);
        for (const auto& c : doc.pages[i].cells)
            for (const auto& l : c.text.lines) {
                if (l.text.find("テスト帳票　別紙　1/") == 0) headed = true;
                else if (l.text == "【特記事項】") labelled = true;
                else if (l.text.find("利用者:旭川 花子 様") == 0 || l.text == "【特記事項】(続き)") continue;
                else continued += l.text;
            }
    }
    CHECK(headed);
    CHECK(labelled);
    CHECK(continued == memo);
}

TEST_CASE("A long name shrinks, then wraps, and is never cut", "[layout]") {
    std::string name;
    for (int i = 0; i < 60; ++i) name += "髙";
    Document doc = build(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":")" + name + "\"}");
    const Cell& cell = cellFor(doc, "pt_name");
    std::string all;
    for (const auto& l : cell.text.lines) all += l.text;
    for (size_t i = 1; i < doc.pages.size(); ++i)
        for (const auto& c : doc.pages[i].cells)
            for (const auto& l : c.text.lines) all += l.text;
    CHECK(all.find(name) != std::string::npos);
}

TEST_CASE("A character no font has becomes 〓 and a warning", "[layout]") {
    Document doc = build(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":"花子😀"})");
    CHECK(printed(cellFor(doc, "pt_name")) == "花子〓 様");
    REQUIRE(doc.warnings.size() == 1);
    CHECK(doc.warnings[0] == "glyph_substituted: pt_name U+1F600");
}

TEST_CASE("Issue 13: a variation sequence prints when a font has it and its base with a warning otherwise",
          "[layout][issue13]") {
    Document doc = build(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":"葛\udb40\udd00飾 辻\udb40\udd01子"})");
    CHECK(printed(cellFor(doc, "pt_name")) == "葛\U000E0100飾 辻子 様");
    REQUIRE(doc.warnings.size() == 1);
    CHECK(doc.warnings[0] == "variant_unavailable: pt_name U+8FBB U+E0101");
    CHECK(cellFor(doc, "pt_name").text.lines.at(0).widthPt == Approx(9 * 6.0));  // 葛󠄀飾 辻子 様: five full widths, two half
}

TEST_CASE("Issue 13: a combining mark prints with its base and invisible characters print nothing",
          "[layout][issue13]") {
    Document doc = build(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":"か\u309Aえで\u200D\ufe0f","memo":"a\u0359b"})");
    CHECK(printed(cellFor(doc, "pt_name")) == "か\u309Aえで 様");
    CHECK(printed(cellFor(doc, "memo")) == "ab");
    CHECK(doc.warnings == std::vector<std::string>{"mark_omitted: memo U+0359"});
}

TEST_CASE("A fax rendering prints the stand-ins of masked cells", "[layout][mask]") {
    const std::string fields = R"({"doc_date":"2025-11-20","pt_sex":"female","pt_name":"旭川 花子","pt_kana":"アサヒカワ ハナコ",)"
                               R"("pt_birth_date":"1940-03-02","pt_address":"北海道旭川市7条通99丁目"})";
    Document full = build(fields);
    CHECK(printed(cellFor(full, "pt_name")) == "旭川 花子 様");
    CHECK(printed(cellFor(full, "pt_address")) == "北海道旭川市7条通99丁目");
    Document initials = build(fields, MaskMode::Initials);
    CHECK(printed(cellFor(initials, "pt_fax_label")) == "ア・ハ 様");
    // The city shares the patient's surname, and every occurrence of the name
    // is masked (rules.md §4.1), the city too.
    CHECK(printed(cellFor(initials, "pt_municipality")) == "ア市");
    Document partial = build(fields, MaskMode::Partial);
    CHECK(printed(cellFor(partial, "pt_fax_label")) == "旭● 花● 様");
    CHECK(printed(cellFor(partial, "pt_municipality")) == "旭●市");
    for (const Document* doc : {&initials, &partial})
        for (const auto& c : doc->pages[0].cells)
            for (const auto& l : c.text.lines) {
                CHECK(l.text.find("花子") == std::string::npos);
                CHECK(l.text.find("7条通") == std::string::npos);
                CHECK(l.text.find("昭和15年") == std::string::npos);
            }
}

TEST_CASE("Issue 13: a masked rendering hides the name in every entry cell and on the 別紙", "[layout][mask]") {
    std::string memo;
    for (int i = 0; i < 40; ++i) memo += "旭川様は長女の旭川 春美さんと同居。はなこさんは花子と呼ばれる。アサヒカワ ハナコ。";
    const std::string fields = R"({"doc_date":"2025-11-20","pt_sex":"female","pt_name":"旭川 花子","pt_kana":"アサヒカワ ハナコ",)"
                               R"("aids":["other"],"aids_note":"旭川さんの杖","memo":")" + memo + "\"}";
    auto all = [](const Document& doc) {
        std::string out;
        for (const auto& p : doc.pages)
            for (const auto& c : p.cells) {
                for (const auto& l : c.text.lines) out += l.text;
                out += c.value;
            }
        return out;
    };
    Document full = build(fields);
    CHECK(all(full).find("旭川 春美") != std::string::npos);
    for (MaskMode mode : {MaskMode::Initials, MaskMode::Partial}) {
        Document doc = build(fields, mode);
        REQUIRE(doc.pages.size() >= 2);
        CHECK(doc.pages.back().continuation);
        const std::string text = all(doc);
        for (const char* part : {"旭川", "花子", "アサヒカワ", "ハナコ", "あさひかわ", "はなこ"}) {
            INFO(part);
            CHECK(text.find(part) == std::string::npos);
        }
        CHECK(text.find("春美") != std::string::npos);
        CHECK(text.find("氏名") != std::string::npos);  // labels are the template's own text
    }
    CHECK(printed(cellFor(build(fields, MaskMode::Initials), "aids")) == "□なし　□杖　■その他(アさんの杖)");
    CHECK(printed(cellFor(build(fields, MaskMode::Partial), "aids")) == "□なし　□杖　■その他(旭●さんの杖)");
}

TEST_CASE("Issue 13: names given in the options are masked on a sheet that does not hold them", "[layout][mask]") {
    auto obj = Poco::JSON::Parser().parse(R"({"doc_date":"2025-11-20","pt_sex":"male","pt_name":"北野 一郎","memo":"雪原様の件"})")
                   .extract<Poco::JSON::Object::Ptr>();
    auto data = form::validateFields(sheet(), obj);
    REQUIRE(data);
    FakeMeasurer m;
    BuildOptions options;
    options.mask = MaskMode::Initials;
    options.maskNames = {{"雪原 正夫", "ユキハラ マサオ"}};
    CHECK(printed(cellFor(buildDocument(sheet(), data.value(), m, options), "memo")) == "ユ様の件");
    options.mask = MaskMode::None;
    CHECK(printed(cellFor(buildDocument(sheet(), data.value(), m, options), "memo")) == "雪原様の件");
}

TEST_CASE("The reply reference comes from the document id", "[layout]") {
    Document doc = build("{" + kBase + "}");
    CHECK(printed(cellFor(doc, "reply_ref")) == "R0123456789");
}

TEST_CASE("The sheet's shared text holds its labels and option labels, never what was filled in", "[layout]") {
    Document one = build("{" + kBase + R"(,"aids":["cane"],"memo":"長女が毎朝電話で確認する"})");
    Document other = build(R"({"doc_date":"2026-01-05","pt_name":"北斗 一郎","pt_sex":"male","alone":true})");
    Document faxed = build("{" + kBase + "}", MaskMode::Partial);
    CHECK(one.sharedText == other.sharedText);
    CHECK(one.sharedText == faxed.sharedText);
    std::string all;
    for (const std::string& text : one.sharedText) all += text;
    for (const char* expected : {"テスト帳票", "記入日", "氏名", " 様", "歳", "日中独居", "なし", "杖", "その他", "身体",
                                 "無", "有", "男", "女", "■", "□", "別紙参照"}) {
        CHECK(all.find(expected) != std::string::npos);
    }
    for (const char* filledIn : {"旭川", "花子", "北斗", "長女", "令和"}) CHECK(all.find(filledIn) == std::string::npos);

    // A label on two lines is listed line by line: the break is no character to print.
    std::string json = kTestSheetJson;
    const std::string label = R"("text": "記入日")";
    REQUIRE(json.find(label) != std::string::npos);
    json.replace(json.find(label), label.size(), R"("text": "記入\n年月日")");
    const form::SheetTemplate twoLines = form::parseTemplate(json, "test").value();
    auto data = form::validateFields(twoLines, Poco::JSON::Parser().parse("{" + kBase + "}").extract<Poco::JSON::Object::Ptr>());
    REQUIRE(data);
    VariantMeasurer m;
    BuildOptions options;
    options.documentId = "0123456789abcdef0123456789abcdef";
    options.createdIso = "2025-11-20T10:00:00+09:00";
    Document doc = buildDocument(twoLines, data.value(), m, options);
    CHECK(std::find(doc.sharedText.begin(), doc.sharedText.end(), "記入") != doc.sharedText.end());
    CHECK(std::find(doc.sharedText.begin(), doc.sharedText.end(), "年月日") != doc.sharedText.end());
    for (const std::string& text : doc.sharedText) CHECK(text.find('\n') == std::string::npos);
}
