// TrueType subsetting: a small font file holding only the glyphs a document
// draws, for embedding as a PDF /FontFile2. Internal to render/. Pure
// function of its inputs; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "render/pdf/font_file.h"

namespace render {

// Builds a TrueType font whose glyph i is the original glyph glyphs[i];
// glyphs[0] should be 0 (.notdef). Glyphs that composite glyphs are built
// from are appended to glyphs (and renumbered inside the composites), so on
// return glyphs lists every glyph of the subset. Keeps the tables a PDF
// viewer needs (head, hhea, maxp, hmtx, loca, glyf, hinting, OS/2, post);
// there is no cmap because the PDF maps CIDs to glyph ids directly.
// Returns Internal when the font's glyph data is malformed.
common::Result<std::string> buildTrueTypeSubset(const FontFile& font, std::vector<std::uint16_t>& glyphs);

}  // namespace render
