// FontFile: one TrueType font file read into memory once, with the lookups
// the layout and the PDF writer need (code point -> glyph, glyph advances,
// raw tables for subsetting). Internal to render/. Immutable after load(),
// so one instance is shared by every thread without locking.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace render {

class FontFile {
public:
    // Reads and checks the font at path (TrueType outlines, 'glyf'), and
    // indexes its Unicode cmap and metrics. Returns IOError when the file
    // cannot be read or is not a usable TrueType font.
    static common::Result<std::unique_ptr<const FontFile>> load(const std::string& path);
    FontFile(const FontFile&) = delete;  // tables_ points into bytes_
    FontFile& operator=(const FontFile&) = delete;

    const std::string& path() const { return path_; }
    // PostScript name, e.g. "IPAexGothic": the base of the PDF /BaseFont.
    const std::string& postScriptName() const { return postScriptName_; }
    // The whole file; shared by every PDF that embeds a subset of it.
    std::string_view bytes() const { return bytes_; }

    // Glyph drawing codePoint, or 0 (.notdef) when the font has none.
    std::uint16_t glyphId(char32_t codePoint) const;
    // Glyph of the variation sequence base + selector (葛 + U+E0100) from the
    // font's cmap format 14 subtable: the base's own glyph for a default
    // sequence, the listed glyph for a non-default one, and 0 when the font
    // does not list the sequence (then the caller decides what to print).
    std::uint16_t variantGlyphId(char32_t base, char32_t selector) const;
    std::uint16_t numGlyphs() const { return numGlyphs_; }
    // Advance width of a glyph in font units (see unitsPerEm()).
    std::uint16_t advanceUnits(std::uint16_t glyph) const;
    // Left side bearing of a glyph in font units.
    std::int16_t leftSideBearing(std::uint16_t glyph) const;
    int unitsPerEm() const { return unitsPerEm_; }
    // hhea ascender (positive) and descender (negative), font units.
    int ascender() const { return ascender_; }
    int descender() const { return descender_; }
    int capHeight() const { return capHeight_; }
    // head xMin, yMin, xMax, yMax in font units.
    const std::vector<int>& boundingBox() const { return bbox_; }

    // Raw bytes of a table ("glyf", "cvt "), empty when the font has none.
    std::string_view table(const std::string& tag) const;
    // Outline bytes of one glyph from 'glyf' (empty for blank glyphs).
    std::string_view glyphData(std::uint16_t glyph) const;

private:
    FontFile() = default;
    common::Status indexTables();
    common::Status readMetrics();
    common::Status readGlyphLocations();
    common::Status readCmap();
    common::Status readVariationSequences();

    std::string path_;
    std::string bytes_;
    std::string postScriptName_;
    std::map<std::string, std::string_view> tables_;
    std::string_view hmtx_;  // hot in advanceUnits(), so kept at hand
    std::string_view glyf_;
    std::vector<std::uint16_t> bmpGlyphs_;  // glyph per BMP code point, 0 = none
    // Code points above U+FFFF, sorted by code point.
    std::vector<std::pair<char32_t, std::uint16_t>> supplementaryGlyphs_;
    // The cmap format 14 subtable (Unicode variation sequences), checked at
    // load so lookups can read it without bounds checks; empty when none.
    std::string_view variationSequences_;
    std::vector<std::uint32_t> glyphOffsets_;  // numGlyphs_ + 1 offsets into 'glyf' (from 'loca')
    std::uint16_t numGlyphs_ = 0;
    std::uint16_t numberOfHMetrics_ = 0;
    int unitsPerEm_ = 1000;
    int ascender_ = 0;
    int descender_ = 0;
    int capHeight_ = 0;
    std::vector<int> bbox_;
};

}  // namespace render
