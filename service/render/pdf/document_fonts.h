// DocumentFonts: the fonts one PDF uses. Decides which font draws each
// character (IPAex Gothic, else the IPAmj Mincho fallback, else the 〓
// substitute), a variation sequence (葛 + U+E0100) from whichever font lists
// it, and combining marks over their base; collects the glyphs per font in a
// first pass over the
// document, then encodes text runs and writes the embedded subsets. The
// fallback font is embedded only when some character needs it. Internal to
// render/; one instance per render() call. The SubsetCache it is given keeps
// what the documents of a sheet share and outlives it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "render/font_metrics.h"
#include "render/pdf/content_stream.h"
#include "render/pdf/subset_font.h"

namespace PoDoFo {
class PdfDictionary;
class PdfVecObjects;
}  // namespace PoDoFo

namespace render {

class DocumentFonts {
public:
    DocumentFonts(const FontMetrics& metrics, SubsetCache& cache);

    // First pass: every piece of text the document will show (UTF-8).
    // shared: the text is the sheet's own (a label of its grid, or
    // Document::sharedText), the same in every document of that sheet (see
    // SubsetBase).
    void collect(const std::string& text, bool shared);
    // Builds the subsets. Returns Internal when a font's glyph data is malformed.
    common::Status finish();

    // Second pass: shows text (UTF-8) at the current text position, switching
    // fonts where a character comes from the fallback.
    void show(ContentStream& out, const std::string& text, double fontSizePt) const;

    // The shared code points of both fonts as bytes (after finish()): what
    // the CIDs of label text depend on, for keys of cached page content.
    std::string sharedKey() const;

    // Writes the embedded fonts and returns the /Font resource dictionary:
    // /F1 IPAex Gothic and /F2 the fallback, each only when used. Throws PdfError.
    PoDoFo::PdfDictionary writeFonts(PoDoFo::PdfVecObjects& objects) const;

private:
    struct Glyph {
        FontSlot slot;  // Primary or Fallback, never Missing
        char32_t key;   // a GlyphKey: code point or variation sequence
    };
    // One printed character: a glyph and the combining marks drawn over it.
    struct Cluster {
        Glyph glyph;
        std::vector<Glyph> marks;
        std::u32string text;  // the code points it stands for; filled only when there are marks
    };
    // Calls visit(const Cluster&) for each printed character of text, in
    // order. The Cluster is reused from call to call (no allocation per
    // character): visit must not keep it.
    template <typename Visit>
    void forEachCluster(const std::string& text, Visit&& visit) const;

    SubsetFont& subsetFor(FontSlot slot);

    const FontMetrics& metrics_;
    // Scratch for forEachCluster, reused so that text costs no allocation per
    // call; one DocumentFonts serves one render() on one thread.
    mutable std::u32string codePoints_;
    mutable Cluster cluster_;
    SubsetCache& cache_;
    std::unique_ptr<SubsetFont> primary_;
    std::unique_ptr<SubsetFont> fallback_;  // created when the first fallback character is collected
};

}  // namespace render
