#include "layout/sheet_parts.h"

#include <optional>

#include "common/utf8.h"
#include "layout/text_fitter.h"

namespace layout {
namespace {

// A spreadsheet keeps about 2 px (0.5 mm) clear beside a cell's text.
constexpr double kPartPaddingMm = 0.6;

struct Place {
    int row = 0, col = 0, colSpan = 1;
};

// Columns from `col` on that together are at least needMm wide; 0 when the
// cell ends first.
int columnsFor(const std::vector<double>& widthsMm, int col, int end, double needMm) {
    double have = 0;
    for (int c = col; c < end; ++c) {
        have += widthsMm[static_cast<size_t>(c)];
        if (have + 1e-6 >= needMm) return c - col + 1;
    }
    return 0;
}

// Each piece's place at sizePt, or nullopt when they do not fit.
std::optional<std::vector<Place>> placeAt(const Cell& cell, const std::vector<SheetPiece>& pieces,
                                          const std::vector<double>& widthsMm, double sizePt, bool oneRow) {
    const int end = cell.col + cell.colSpan;
    const int rows = oneRow ? 1 : cell.rowSpan;
    std::vector<Place> places(pieces.size());
    int row = 0, col = cell.col;
    for (size_t first = 0; first < pieces.size();) {
        size_t last = first;  // one past the group
        while (last < pieces.size() && pieces[last].group == pieces[first].group) ++last;
        // The group on this row, else on the next one.
        for (int attempt = 0;; ++attempt) {
            int c = col;
            bool fits = true;
            for (size_t i = first; i < last && fits; ++i) {
                const double needMm = pieces[i].widthEm * sizePt / kPtPerMm + kPartPaddingMm;
                const int n = columnsFor(widthsMm, c, end, needMm);
                fits = n > 0;
                places[i] = Place{cell.row + row, c, n};
                c += n;
            }
            if (fits) {
                col = c;
                break;
            }
            if (attempt > 0 || col == cell.col || ++row >= rows) return std::nullopt;
            col = cell.col;
        }
        first = last;
    }
    return places;
}

// Gives each row's spare columns to its last growing piece.
void spreadSpareColumns(const Cell& cell, const std::vector<SheetPiece>& pieces, std::vector<Place>* places) {
    const int end = cell.col + cell.colSpan;
    for (size_t i = 0; i < places->size(); ++i) {
        const int row = (*places)[i].row;
        size_t lastOfRow = i;
        while (lastOfRow + 1 < places->size() && (*places)[lastOfRow + 1].row == row) ++lastOfRow;
        int grower = -1;
        for (size_t k = i; k <= lastOfRow; ++k)
            if (pieces[k].grows) grower = static_cast<int>(k);
        const Place& tail = (*places)[lastOfRow];
        const int spare = end - (tail.col + tail.colSpan);
        if (grower >= 0 && spare > 0) {
            (*places)[static_cast<size_t>(grower)].colSpan += spare;
            for (size_t k = static_cast<size_t>(grower) + 1; k <= lastOfRow; ++k) (*places)[k].col += spare;
        }
        i = lastOfRow;
    }
}

Cell blankLabel(int row, int col, int rowSpan, int colSpan) {
    Cell c;
    c.row = row;
    c.col = col;
    c.rowSpan = rowSpan;
    c.colSpan = colSpan;
    return c;
}

// Blank label cells over the columns of each row the parts leave free.
void addFillers(const Cell& cell, bool oneRow, std::vector<Cell>* parts) {
    const int rows = oneRow ? 1 : cell.rowSpan;
    const int height = oneRow ? cell.rowSpan : 1;
    std::vector<Cell> fillers;
    for (int r = 0; r < rows; ++r) {
        std::vector<bool> used(static_cast<size_t>(cell.colSpan));
        for (const Cell& p : *parts)
            if (p.row == cell.row + r)
                for (int c = p.col; c < p.col + p.colSpan; ++c) used[static_cast<size_t>(c - cell.col)] = true;
        for (int c = 0; c < cell.colSpan;) {
            if (used[static_cast<size_t>(c)]) {
                ++c;
                continue;
            }
            int n = 1;
            while (c + n < cell.colSpan && !used[static_cast<size_t>(c + n)]) ++n;
            fillers.push_back(blankLabel(cell.row + r, cell.col + c, height, n));
            c += n;
        }
    }
    parts->insert(parts->end(), fillers.begin(), fillers.end());
}

void giveOuterLook(const Cell& cell, Cell* part) {
    part->borders = Borders{};
    part->borders.widthPt = cell.borders.widthPt;
    part->borders.top = cell.borders.top && part->row == cell.row;
    part->borders.bottom = cell.borders.bottom && part->row + part->rowSpan == cell.row + cell.rowSpan;
    part->borders.left = cell.borders.left && part->col == cell.col;
    part->borders.right = cell.borders.right && part->col + part->colSpan == cell.col + cell.colSpan;
    part->text.vAlign = cell.text.vAlign;
    part->sheetParts.clear();
}

}  // namespace

double textWidthEm(const std::string& text, const TextMeasurer& measurer) {
    double em = 0;
    for (char32_t cp : common::decodeUtf8(text).value_or(U"")) em += measurer.advanceEm(cp);
    return em;
}

std::vector<Cell> placeSheetParts(const Cell& cell, const std::vector<SheetPiece>& pieces,
                                  const std::vector<double>& columnWidthsMm, double sizePt, double minSizePt,
                                  bool oneRow) {
    if (pieces.empty() || cell.col < 0 || static_cast<size_t>(cell.col + cell.colSpan) > columnWidthsMm.size())
        return {};
    for (double size = sizePt; size >= minSizePt - 1e-6; size -= kFontStepPt) {
        std::optional<std::vector<Place>> places = placeAt(cell, pieces, columnWidthsMm, size, oneRow);
        if (!places) continue;
        spreadSpareColumns(cell, pieces, &*places);
        std::vector<Cell> parts;
        for (size_t i = 0; i < pieces.size(); ++i) {
            Cell part = pieces[i].content;
            part.row = (*places)[i].row;
            part.col = (*places)[i].col;
            part.colSpan = (*places)[i].colSpan;
            part.rowSpan = oneRow ? cell.rowSpan : 1;
            if (!pieces[i].keepsFontSize) part.text.fontSizePt = size;
            parts.push_back(std::move(part));
        }
        addFillers(cell, oneRow, &parts);
        for (Cell& part : parts) {
            giveOuterLook(cell, &part);
            if (part.fieldKey.empty() && part.value.empty()) part.text.fontSizePt = size;
        }
        return parts;
    }
    return {};
}

}  // namespace layout
