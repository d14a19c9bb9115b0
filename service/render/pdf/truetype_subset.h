// TrueType subsetting: a small font file holding only the glyphs a document
// draws, for embedding as a PDF /FontFile2. Internal to render/. Pure
// functions of their inputs; the results are immutable and safe to share.
//
// The subset keeps the tables a PDF viewer needs (head, hhea, maxp, hmtx,
// loca, glyf, OS/2, post); there is no cmap because the PDF maps CIDs to
// glyph ids directly. Glyphs keep their exact outlines but lose their hinting
// instructions, and the hinting tables (cvt, fpgm, prep) are left out: the
// output is printed and faxed, never shown at the screen sizes where hinting
// matters, and in IPAex Gothic the instructions are 46% of the glyph data.
//
// A subset starts with a GlyphPrefix: the glyphs every document of a sheet
// draws (its labels), laid out and compressed once. The font file puts 'glyf'
// last, so the prefix's outline bytes sit at the same place in every
// document's font program and their compressed form is reused as it is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "render/pdf/deflate.h"
#include "render/pdf/font_file.h"

namespace render {

// The first glyphs of a subset: glyph 0 (.notdef), the given glyphs, then
// the glyphs their composites are built from.
struct GlyphPrefix {
    std::vector<std::uint16_t> glyphs;                    // original ids; index = id in the subset
    std::unordered_map<std::uint16_t, std::uint16_t> ids;  // original id -> first id in the subset
    std::string glyf;                  // their outlines, unhinted, each 4-byte aligned
    std::vector<std::uint32_t> loca;   // offset of each glyph in glyf
    std::string hmtx;                  // their advance widths and left side bearings
    std::uint32_t glyfChecksum = 0;    // sfnt checksum of glyf
    DeflatePiece compressed;           // glyf, compressed once
    // The start of every subset's hmtx (hmtx above) and of its loca (loca
    // above as 32-bit offsets), compressed once as well.
    DeflatePiece hmtxCompressed;
    DeflatePiece locaCompressed;
};

// glyphs: original glyph ids, glyphs[0] should be 0 (.notdef). level: zlib
// level for the compressed outlines. Returns Internal when the font's glyph
// data is malformed.
common::Result<std::shared_ptr<const GlyphPrefix>> buildGlyphPrefix(const FontFile& font,
                                                                    std::vector<std::uint16_t> glyphs, int level);

// One document's font program: the prefix's glyphs, then its own.
struct TrueTypeSubset {
    std::shared_ptr<const GlyphPrefix> prefix;
    std::vector<std::uint16_t> glyphs;  // every glyph, original ids; index = glyph id = CID
    std::string front;                  // offset table, directory and every table but glyf
    std::string glyf;                   // outlines of the glyphs after the prefix
    // Where the prefix's part of hmtx and of loca sit in front: the bytes of
    // its hmtxCompressed and locaCompressed.
    std::size_t prefixHmtxAt = 0;
    std::size_t prefixLocaAt = 0;

    // Bytes of the whole font file (the PDF's /Length1).
    std::size_t size() const { return front.size() + prefix->glyf.size() + glyf.size(); }
    // The whole font file.
    std::string bytes() const;
    // The font file as one zlib stream; the prefix's outlines and its part of
    // hmtx and loca are not compressed again. level applies to the rest of
    // the tables before glyf, glyfLevel to the outlines after the prefix (see
    // deflate.h for both).
    std::string compressed(int level, int glyfLevel) const;
};

// Builds the subset whose glyphs are the prefix's glyphs followed by
// `glyphs` (original ids, each getting its own new glyph even if the prefix
// has it too) and the glyphs their composites need that the prefix lacks.
// Returns Internal when the font's glyph data is malformed.
common::Result<TrueTypeSubset> buildTrueTypeSubset(const FontFile& font, std::shared_ptr<const GlyphPrefix> prefix,
                                                   const std::vector<std::uint16_t>& glyphs);

// The whole subset of `glyphs` (glyphs[0] should be 0) as one font file, with
// the glyphs composites need appended to glyphs. For tests and tools.
common::Result<std::string> buildTrueTypeSubset(const FontFile& font, std::vector<std::uint16_t>& glyphs);

}  // namespace render
