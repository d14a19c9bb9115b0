// DocumentFonts: the fonts one PDF uses. Decides which font draws each
// character (IPAex Gothic, else the IPAmj Mincho fallback, else the 〓
// substitute), collects the characters per font in a first pass over the
// document, then encodes text runs and writes the embedded subsets. The
// fallback font is embedded only when some character needs it. Internal to
// render/; one instance per render() call.
#pragma once

#include <memory>
#include <string_view>

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
    explicit DocumentFonts(const FontMetrics& metrics);

    // First pass: every piece of text the document will show (UTF-8).
    void collect(std::string_view text);
    // Builds the subsets. Returns Internal when a font's glyph data is malformed.
    common::Status finish();

    // Second pass: shows text (UTF-8) at the current text position, switching
    // fonts where a character comes from the fallback.
    void show(ContentStream& out, std::string_view text, double fontSizePt) const;

    // Writes the embedded fonts and returns the /Font resource dictionary:
    // /F1 IPAex Gothic and /F2 the fallback, each only when used. Throws PdfError.
    PoDoFo::PdfDictionary writeFonts(PoDoFo::PdfVecObjects& objects) const;

private:
    struct Glyph {
        FontSlot slot;  // Primary or Fallback, never Missing
        char32_t codePoint;
    };
    Glyph resolve(char32_t codePoint) const;
    SubsetFont& subsetFor(FontSlot slot);

    const FontMetrics& metrics_;
    std::unique_ptr<SubsetFont> primary_;
    std::unique_ptr<SubsetFont> fallback_;  // created when the first fallback character is collected
};

}  // namespace render
