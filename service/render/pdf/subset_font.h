// SubsetFont: one font file as embedded in one PDF. Collects the code points
// the document draws with it, gives each a CID, and writes the PDF objects:
// Type0 font (Identity-H) -> CIDFontType2 with /W -> FontDescriptor ->
// /FontFile2 holding a TrueType subset, plus a ToUnicode CMap so text
// extracts exactly (UTF-16BE, surrogate pairs beyond the BMP). Internal to
// render/; one instance per document and font, used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "render/pdf/font_file.h"

namespace PoDoFo {
class PdfObject;
class PdfVecObjects;
}  // namespace PoDoFo

namespace render {

class SubsetFont {
public:
    explicit SubsetFont(const FontFile& font) : font_(font) {}

    // Collect phase: every code point the document will draw with this font.
    void add(char32_t codePoint) { codePoints_.push_back(codePoint); }
    bool empty() const { return codePoints_.empty(); }

    // Fixes the CIDs (code points in ascending order get CIDs 1, 2, ..., so
    // the same set of characters always gives the same font objects) and
    // builds the TrueType subset. Returns Internal for malformed glyph data.
    common::Status finish();

    // CID of a code point passed to add(); call after finish().
    std::uint16_t cid(char32_t codePoint) const;

    // Adds the font's objects to objects and returns the Type0 font
    // dictionary to list under /Font in the page resources. Throws PdfError.
    PoDoFo::PdfObject* writeObjects(PoDoFo::PdfVecObjects& objects) const;

    // "ABCDEF+IPAexGothic": the subset tag is a hash of the code points.
    const std::string& baseFontName() const { return baseFontName_; }

private:
    std::string toUnicodeCMap() const;
    PoDoFo::PdfObject* writeDescriptor(PoDoFo::PdfVecObjects& objects) const;
    PoDoFo::PdfObject* writeCidFont(PoDoFo::PdfVecObjects& objects) const;
    int toPdfUnits(int fontUnits) const;

    const FontFile& font_;
    std::vector<char32_t> codePoints_;  // after finish(): sorted, unique; CID = index + 1
    std::vector<std::uint16_t> glyphs_;  // CID -> original glyph id, then composite parts
    std::string fontProgram_;            // the TrueType subset
    std::string baseFontName_;
};

}  // namespace render
