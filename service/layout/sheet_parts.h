// The cells the workbook shows for one layout cell (Cell::sheetParts): a row
// of ■/□ boxes becomes a box cell, a label cell and a note cell per option,
// a decorated value the value between label cells for 〒, 様 or its unit.
// The caller says what the pieces hold; this places them on the cell's grid
// range. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "layout/document.h"
#include "layout/text_measurer.h"

namespace layout {

struct SheetPiece {
    Cell content;       // what the part holds: value, fieldKey, entryName, choices, kind, alignment
    double widthEm = 0;  // the least width of its text, in em of the part's font size
    int group = 0;       // the pieces of one group (an option) stay on one row
    bool grows = false;  // takes the spare columns of its row (a note, a value)
    bool keepsFontSize = false;  // keeps content.text.fontSizePt (a value fitted as the PDF prints it)
};

// Width of text in em as a spreadsheet shows it (measurer's advances).
double textWidthEm(const std::string& text, const TextMeasurer& measurer);

// Places the pieces on cell's grid range, left to right and, unless oneRow,
// row by row (one grid row each; a group never split over two rows), at the
// largest font size from sizePt down to minSizePt (0.5 pt steps) at which
// they fit. With oneRow the pieces sit side by side, each as tall as the
// cell. The last growing piece of a row takes the row's spare columns; what
// is still free becomes blank label cells. Each part gets the cell's outer
// borders where it lies on the cell's edge and its vertical alignment.
// Empty when the pieces do not fit even at minSizePt.
std::vector<Cell> placeSheetParts(const Cell& cell, const std::vector<SheetPiece>& pieces,
                                  const std::vector<double>& columnWidthsMm, double sizePt, double minSizePt,
                                  bool oneRow);

}  // namespace layout
