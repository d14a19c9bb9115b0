// XLSX rendering with libxlsxwriter: a layout::Document in, the bytes of an
// .xlsx workbook out. One worksheet per grid page (continuation pages are left
// out: a cell holds its whole text). Stateless; safe on several threads.
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
