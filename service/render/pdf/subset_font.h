// SubsetFont: one font file as embedded in one PDF. Collects the code points
// (GlyphKeys: a code point, or a variation sequence packed into one value,
// see glyph_key.h) the document draws with it, gives each a CID, and writes
// the PDF objects:
// Type0 font (Identity-H) -> CIDFontType2 with /W -> FontDescriptor ->
// /FontFile2 holding a TrueType subset, plus a ToUnicode CMap so text
// extracts exactly (UTF-16BE, surrogate pairs beyond the BMP). Internal to
// render/; one instance per document and font, used by one thread.
//
// The code points of a sheet's labels are the same in every document of
// that sheet. They form a SubsetBase, prepared once (their glyphs, compressed,
// and their ToUnicode entries) and kept in a SubsetCache; each document then
// adds and compresses only the glyphs of what was filled in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "render/pdf/deflate.h"
#include "render/pdf/font_file.h"
#include "render/pdf/truetype_subset.h"

namespace PoDoFo {
class PdfObject;
class PdfVecObjects;
}  // namespace PoDoFo

namespace render {

// The shared start of a font's subsets: code points in ascending order get
// CIDs 1, 2, ... Immutable once built.
struct SubsetBase {
    std::vector<char32_t> codePoints;      // sorted, unique; CID = index + 1
    std::shared_ptr<const GlyphPrefix> glyphs;
    DeflatePiece toUnicodeStart;            // CMap header and the entries of codePoints
};

// Builds the base for a sorted, unique list of code points the font has.
// Returns Internal when the font's glyph data is malformed.
common::Result<std::shared_ptr<const SubsetBase>> buildSubsetBase(const FontFile& font,
                                                                  std::vector<char32_t> codePoints);

// Bases already built, by font and code points. A sheet has one or a few
// (optional pages change its labels); the cache holds at most kMaxEntries and
// past that builds without keeping, so odd documents cannot grow it. The
// output does not depend on whether a base came from the cache. Thread-safe.
class SubsetCache {
public:
    static constexpr std::size_t kMaxEntries = 64;

    common::Result<std::shared_ptr<const SubsetBase>> base(const FontFile& font, std::vector<char32_t> codePoints);

private:
    using Key = std::pair<const FontFile*, std::vector<char32_t>>;
    std::mutex mutex_;
    std::map<Key, std::shared_ptr<const SubsetBase>> bases_;  // guarded by mutex_
};

// The code points a document has collected so far: a bitmap for the BMP
// (where nearly all text is), a hash set beyond it. insert() is true the
// first time a code point is seen.
class SeenCodePoints {
public:
    bool insert(char32_t codePoint) {
        if (codePoint >= 0x10000) return others_.insert(codePoint).second;
        if (bmp_.empty()) bmp_.assign(0x10000 / 64, 0);
        std::uint64_t& word = bmp_[codePoint / 64];
        const std::uint64_t bit = std::uint64_t{1} << (codePoint % 64);
        if (word & bit) return false;
        word |= bit;
        return true;
    }

private:
    std::vector<std::uint64_t> bmp_;  // allocated on first use
    std::unordered_set<char32_t> others_;
};

class SubsetFont {
public:
    explicit SubsetFont(const FontFile& font) : font_(font) {}

    // Collect phase: every code point the document will draw with this font;
    // shared: it is part of the sheet's labels, the same in every document.
    // Each code point is kept once, so finish() sorts the distinct ones only
    // and the cost stays linear in the text.
    void add(char32_t codePoint, bool shared) {
        if ((shared ? sharedSeen_ : seen_).insert(codePoint))
            (shared ? sharedCodePoints_ : codePoints_).push_back(codePoint);
    }
    bool empty() const { return codePoints_.empty() && sharedCodePoints_.empty(); }

    // Fixes the CIDs and builds the TrueType subset: the shared code points
    // in ascending order get CIDs 1, 2, ... (from the cache's base), the
    // others follow in ascending order, so the same document always gives the
    // same font objects. Returns Internal for malformed glyph data.
    common::Status finish(SubsetCache& cache);

    // CID of a code point passed to add(); call after finish().
    std::uint16_t cid(char32_t codePoint) const;
    // Advance of the glyph of a key in PDF glyph units (1/1000 em), as /W gives it.
    int widthOf(char32_t key) const;
    // After finish(): the shared code points, sorted; CID = index + 1.
    const std::vector<char32_t>& sharedCodePoints() const { return sharedCodePoints_; }

    // Adds the font's objects to objects and returns the Type0 font
    // dictionary to list under /Font in the page resources. Throws PdfError.
    PoDoFo::PdfObject* writeObjects(PoDoFo::PdfVecObjects& objects) const;

    // "ABCDEF+IPAexGothic": the subset tag is a hash of the code points.
    const std::string& baseFontName() const { return baseFontName_; }

private:
    std::string compressedToUnicode() const;
    PoDoFo::PdfObject* writeDescriptor(PoDoFo::PdfVecObjects& objects) const;
    PoDoFo::PdfObject* writeCidFont(PoDoFo::PdfVecObjects& objects) const;
    int toPdfUnits(int fontUnits) const;

    const FontFile& font_;
    std::vector<char32_t> sharedCodePoints_;  // after finish(): sorted, unique
    SeenCodePoints seen_;        // collect phase: what codePoints_ holds
    SeenCodePoints sharedSeen_;  // collect phase: what sharedCodePoints_ holds
    std::vector<char32_t> codePoints_;        // after finish(): sorted, unique, none of the shared ones
    std::shared_ptr<const SubsetBase> base_;
    std::uint16_t firstCid_ = 0;  // CID of codePoints_[0]: after the base's glyphs
    std::unordered_map<char32_t, std::uint16_t> cids_;  // code point -> CID, after finish()
    TrueTypeSubset program_;
    std::string baseFontName_;
};

}  // namespace render
