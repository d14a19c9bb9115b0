// TextMeasurer: how the layout learns glyph widths without knowing about
// fonts or files. render::FontMetrics implements it from the real font files.
// Implementations must be safe to call from several threads at once.
#pragma once

namespace layout {

class TextMeasurer {
public:
    virtual ~TextMeasurer() = default;
    // Advance width of one code point in em (1.0 = the font size).
    // For a code point no font has, the width of the substitute glyph.
    virtual double advanceEm(char32_t codePoint) const = 0;
    // True when some font (primary or fallback) can draw the code point.
    virtual bool hasGlyph(char32_t codePoint) const = 0;
    // True when some font has a glyph for the variation sequence base +
    // selector (葛 + U+E0100). It is as wide as the base.
    virtual bool hasVariant(char32_t /*base*/, char32_t /*selector*/) const { return false; }
    // Ascent and descent of the primary font in em (descent positive, below the baseline).
    virtual double ascentEm() const = 0;
    virtual double descentEm() const = 0;
};

}  // namespace layout
