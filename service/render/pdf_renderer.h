// PDF rendering with PoDoFo: a layout::Document in, the bytes of a PDF out.
// Fonts are embedded as subsets (CID TrueType, Identity-H, with a ToUnicode
// map so text extracts). Keeps what every document of a sheet shares (the
// glyphs of its labels and Document::sharedText, its pages' grid and labels,
// compressed) in bounded caches
// that do not change the output; render() may run on several threads at once.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "layout/document.h"
#include "render/font_metrics.h"

namespace render {

class PdfRenderer {
public:
    explicit PdfRenderer(std::shared_ptr<const FontMetrics> fonts);
    ~PdfRenderer();
    PdfRenderer(const PdfRenderer&) = delete;
    PdfRenderer& operator=(const PdfRenderer&) = delete;

    // Renders every page of doc (grid pages and continuation pages) in order.
    // The output depends only on doc: the same document gives the same bytes.
    // Returns Internal with context (sheet, page) when PoDoFo fails.
    common::Result<std::string> render(const layout::Document& doc) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace render
