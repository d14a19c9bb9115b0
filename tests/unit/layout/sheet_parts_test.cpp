// layout::placeSheetParts: the workbook's cells for a row of boxes or a
// decorated value, placed on the cell's grid range (issue 17).
#include "layout/sheet_parts.h"

#include <catch2/catch.hpp>

#include "fake_measurer.h"

namespace {

layout::Cell outerCell(int colSpan, int rowSpan) {
    layout::Cell c;
    c.row = 3;
    c.col = 2;
    c.colSpan = colSpan;
    c.rowSpan = rowSpan;
    c.borders = {true, true, true, true, 0.5};
    c.text.vAlign = layout::VAlign::Top;
    return c;
}

layout::SheetPiece piece(const std::string& value, double widthEm, int group, const std::string& key = "") {
    layout::SheetPiece p;
    p.content.value = value;
    p.content.fieldKey = key;
    p.widthEm = widthEm;
    p.group = group;
    return p;
}

// ■杖 □その他( [note] ): two options, the second with a note.
std::vector<layout::SheetPiece> twoOptions() {
    std::vector<layout::SheetPiece> pieces = {piece("■", 1, 0, "aids"), piece("杖", 1, 0),
                                              piece("□", 1, 1, "aids"), piece("その他(", 3.5, 1),
                                              piece("", 3, 1, "aids_note"), piece(")", 0.5, 1)};
    pieces[4].grows = true;
    return pieces;
}

const std::vector<double> kColumnsMm(20, 4.0);

}  // namespace

TEST_CASE("Parts go left to right, an option that does not fit its row starts the next, free columns are blank labels") {
    const layout::Cell cell = outerCell(8, 2);
    const auto parts = layout::placeSheetParts(cell, twoOptions(), kColumnsMm, 9, 7, false);
    REQUIRE(parts.size() == 7);
    struct Want {
        int row, col, colSpan;
        const char* value;
        bool top, right, bottom, left;
    };
    const Want want[] = {{3, 2, 1, "■", true, false, false, true},   {3, 3, 1, "杖", true, false, false, false},
                         {4, 2, 1, "□", false, false, true, true},   {4, 3, 3, "その他(", false, false, true, false},
                         {4, 6, 3, "", false, false, true, false},   {4, 9, 1, ")", false, true, true, false},
                         {3, 4, 6, "", true, true, false, false}};
    for (size_t i = 0; i < parts.size(); ++i) {
        INFO("part " << i);
        CHECK(parts[i].row == want[i].row);
        CHECK(parts[i].col == want[i].col);
        CHECK(parts[i].colSpan == want[i].colSpan);
        CHECK(parts[i].rowSpan == 1);
        CHECK(parts[i].value == want[i].value);
        CHECK(parts[i].borders.top == want[i].top);
        CHECK(parts[i].borders.right == want[i].right);
        CHECK(parts[i].borders.bottom == want[i].bottom);
        CHECK(parts[i].borders.left == want[i].left);
        CHECK(parts[i].text.fontSizePt == 9);
        CHECK(parts[i].text.vAlign == layout::VAlign::Top);
    }
    CHECK(parts[4].fieldKey == "aids_note");
}

TEST_CASE("A row's spare columns go to its note, which moves what follows it to the row's end") {
    const auto parts = layout::placeSheetParts(outerCell(12, 1), twoOptions(), kColumnsMm, 9, 7, false);
    REQUIRE(parts.size() == 6);  // no blank label: the note took the spare columns
    CHECK(parts[4].col == 8);
    CHECK(parts[4].colSpan == 5);
    CHECK(parts[5].col == 13);
    CHECK(parts[5].col + parts[5].colSpan == 2 + 12);
}

TEST_CASE("Parts that do not fit the cell even at the minimum size give none") {
    CHECK(layout::placeSheetParts(outerCell(3, 1), twoOptions(), kColumnsMm, 9, 7, false).empty());
    CHECK(layout::placeSheetParts(outerCell(4, 1), twoOptions(), {4.0, 4.0}, 9, 7, false).empty());  // past the grid
}

TEST_CASE("A decorated value: the decoration a label as tall as the cell, the value keeps its size and takes the rest") {
    layout::SheetPiece value = piece("078-0000", 2, 0, "pt_postal");
    value.grows = true;
    value.keepsFontSize = true;
    value.content.text.fontSizePt = 10;
    const auto parts =
        layout::placeSheetParts(outerCell(5, 2), {piece("〒", 1, 0), value}, kColumnsMm, 9, 7, true);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].value == "〒");
    CHECK(parts[0].colSpan == 1);
    CHECK(parts[0].rowSpan == 2);
    CHECK(parts[0].text.fontSizePt == 9);
    CHECK(parts[1].col == 3);
    CHECK(parts[1].colSpan == 4);
    CHECK(parts[1].rowSpan == 2);
    CHECK(parts[1].text.fontSizePt == 10);
    CHECK((parts[1].borders.top && parts[1].borders.bottom && parts[1].borders.right && !parts[1].borders.left));
}

TEST_CASE("Parts shrink to a smaller size when that is what lets them fit") {
    // その他( is 3.5 em: 4 columns of 4 mm at 12 pt, 3 at 9 pt.
    const std::vector<layout::SheetPiece> pieces = {piece("□", 1, 0, "x"), piece("その他(", 3.5, 0)};
    const auto parts = layout::placeSheetParts(outerCell(4, 1), pieces, kColumnsMm, 12, 7, false);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].text.fontSizePt < 12);
    CHECK(parts[1].colSpan == 3);
}
