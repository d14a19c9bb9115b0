// XLSX rendering with libxlsxwriter: a layout::Document in, the bytes of an
// .xlsx workbook out. One worksheet per grid page and per 別紙 page (each
// prints as the PDF's page); a box whose text continues on the 別紙 shows
// 別紙参照 and its whole text sits in a named cell of the hidden "_fields"
// sheet, with the fields no page prints. A cell the layout splits for the
// workbook (layout::Cell::sheetParts: boxes, labels, notes, decorations) is
// written as its parts. Every entry cell is named (render/workbook_names.h).
// Sheets print at 100 % with rows as designed. Stateless; safe on several
// threads.
#pragma once

#include <string>

#include "common/status.h"
#include "layout/document.h"

namespace render {

struct XlsxOptions {
    std::string fontName = "ＭＳ ゴシック";  // a font Japanese office PCs have
    std::string tempDir = "/tmp";             // libxlsxwriter's scratch files when /dev/shm cannot take them
};

// Returns IOError/Internal with the libxlsxwriter error text on failure.
// The output depends only on doc and options: same input, same bytes.
common::Result<std::string> renderXlsx(const layout::Document& doc, const XlsxOptions& options);

}  // namespace render
