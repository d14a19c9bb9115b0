#include <catch2/catch.hpp>

#include "common/utf8.h"
#include "fake_measurer.h"
#include "layout/line_breaker.h"
#include "layout/text_fitter.h"

using namespace layout;

namespace {

std::vector<std::string> lines(const std::string& text, double widthEm) {
    FakeMeasurer m;
    std::vector<std::string> out;
    // At 12 pt check boxes keep their own width, so the em arithmetic below is plain.
    for (const auto& l : breakLines(common::decodeUtf8(text).value(), widthEm, 12, m)) out.push_back(common::encodeUtf8(l));
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("Japanese text breaks between any two characters", "[linebreak]") {
    CHECK(lines("あいうえおかきくけこ", 4) == V{"あいうえ", "おかきく", "けこ"});
}

TEST_CASE("No line starts with a closing mark, small kana or the long-vowel mark", "[linebreak]") {
    // 。 would start line 2: it stays with the character before it (the line runs one over).
    CHECK(lines("あいうえ。かき", 4) == V{"あいう", "え。かき"});
    CHECK(lines("あいうえ、かき", 4) == V{"あいう", "え、かき"});
    CHECK(lines("あいうぇおか", 3) == V{"あい", "うぇお", "か"});
    CHECK(lines("あいうーおか", 3) == V{"あい", "うーお", "か"});
    CHECK(lines("あいう」おか", 3) == V{"あい", "う」お", "か"});
}

TEST_CASE("No line ends with an opening bracket", "[linebreak]") {
    CHECK(lines("あいう「えお」", 4) == V{"あいう", "「えお」"});
    CHECK(lines("あい（うえ）", 3) == V{"あい", "（う", "え）"});
}

TEST_CASE("A run of Latin letters or digits is not split", "[linebreak]") {
    // ASCII is 0.5 em: "0166-00-1234" is 6 em and moves to its own line whole.
    CHECK(lines("電話0166-00-1234まで", 6.5) == V{"電話", "0166-00-1234", "まで"});
    CHECK(lines("ＡＢＣ１２３あいう", 6) == V{"ＡＢＣ１２３", "あいう"});
}

TEST_CASE("A run wider than the whole line is split rather than lost", "[linebreak]") {
    CHECK(lines("abcdefghij", 2) == V{"abcd", "efgh", "ij"});
}

TEST_CASE("Newlines force breaks and blank lines survive", "[linebreak]") {
    CHECK(lines("あ\n\nい", 10) == V{"あ", "", "い"});
}

TEST_CASE("Spaces at a break disappear", "[linebreak]") {
    CHECK(lines("ab cd ef", 2) == V{"ab", "cd", "ef"});
}

TEST_CASE("Text shrinks step by step before it wraps a single-line box", "[fit]") {
    FakeMeasurer m;
    FitRequest req;
    req.text = common::decodeUtf8("あいうえおかきくけこ").value();  // 10 em
    req.widthMm = 10 * 8.5 / kPtPerMm;                             // exactly 10 em at 8.5 pt
    req.heightMm = 5;
    req.fontSizePt = 9;
    req.minFontSizePt = 7;
    req.preferSingleLine = true;
    FitResult r = fitText(req, m);
    REQUIRE(r.fits);
    CHECK(r.block.fontSizePt == Approx(8.5));
    CHECK(r.block.lines.size() == 1);
}

TEST_CASE("A single-line box wraps into its height once the minimum size is reached", "[fit]") {
    FakeMeasurer m;
    FitRequest req;
    req.text = common::decodeUtf8("あいうえおかきくけこ").value();
    req.widthMm = 5 * 9 / kPtPerMm;  // 5 em at 9 pt
    req.heightMm = 12;
    req.fontSizePt = 9;
    req.preferSingleLine = true;
    FitResult r = fitText(req, m);
    REQUIRE(r.fits);
    CHECK(r.block.lines.size() == 2);
    CHECK(r.block.fontSizePt == Approx(9));
}

TEST_CASE("Text that cannot fit at 7 pt reports it", "[fit]") {
    FakeMeasurer m;
    FitRequest req;
    std::string many;
    for (int i = 0; i < 500; ++i) many += "あ";
    req.text = common::decodeUtf8(many).value();
    req.widthMm = 50;
    req.heightMm = 10;
    FitResult r = fitText(req, m);
    CHECK_FALSE(r.fits);
    CHECK(r.block.fontSizePt == Approx(7));
}

TEST_CASE("A check box stays with its label and runs break between options", "[linebreak]") {
    CHECK(lines("■自立　□見守り　□一部介助", 8) == V{"■自立　□見守り", "□一部介助"});
    CHECK(lines("□昼夜逆転　■徘徊", 5) == V{"□昼夜逆転", "■徘徊"});
}

TEST_CASE("Check boxes under 11.5 pt take the room of an 11.5 pt box", "[linebreak]") {
    FakeMeasurer m;
    CHECK(advanceEmAt(U'■', 9, m) == Approx(11.5 / 9));
    CHECK(advanceEmAt(U'□', 12, m) == Approx(1.0));
    CHECK(advanceEmAt(U'あ', 9, m) == Approx(1.0));
    CHECK(widthEm(U"■あ□い", 9, m) == Approx(2 * 11.5 / 9 + 2));
}

TEST_CASE("Issue 13: a character never parts from its variation selector or combining marks", "[linebreak][issue13]") {
    FakeMeasurer m;
    CHECK(widthEm(U"葛\U000E0100", 12, m) == Approx(1.0));
    CHECK(widthEm(U"か\u309A", 12, m) == Approx(1.0));
    CHECK(widthEm(U"e\u0301", 12, m) == Approx(0.5));
    CHECK(lines("葛\U000E0100飾区か\u309Aき", 2) == V{"葛\U000E0100飾", "区か\u309A", "き"});
    CHECK(lines("か\u309Aか\u309Aか\u309A", 1) == V{"か\u309A", "か\u309A", "か\u309A"});
    // A Latin run wider than the line is split by character, each with its accent.
    CHECK(lines("e\u0301e\u0301e\u0301e\u0301", 1) == V{"e\u0301e\u0301", "e\u0301e\u0301"});
    // A closing mark after a marked character still may not start a line.
    CHECK(lines("あか\u309A」", 2) == V{"あ", "か\u309A」"});
}
