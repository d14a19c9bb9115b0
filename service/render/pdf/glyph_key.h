// GlyphKey: what one glyph of an embedded subset stands for. Usually a code
// point; for an ideographic variation sequence (葛 + U+E0100) the base and
// the selector packed into one value, so the subset code keeps plain, sorted
// 32-bit keys. Packed keys sort after every code point. Internal to render/.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "render/pdf/font_file.h"

namespace render {

using GlyphKey = char32_t;

namespace glyph_key_detail {
constexpr GlyphKey kVariationBit = 0x80000000;
constexpr int kSelectorShift = 21;  // code points need 21 bits
}  // namespace glyph_key_detail

// selector must be U+FE00..U+FE0F or U+E0100..U+E01EF (common::isVariationSelector).
inline GlyphKey variationKey(char32_t base, char32_t selector) {
    using namespace glyph_key_detail;
    std::uint32_t index;  // 0..271: FE00.. first, then E0100..
    if (selector >= 0xFE00 && selector <= 0xFE0F) index = selector - 0xFE00;
    else if (selector >= 0xE0100 && selector <= 0xE01EF) index = 16 + (selector - 0xE0100);
    else throw std::logic_error("variationKey: not a variation selector");
    return kVariationBit | (index << kSelectorShift) | base;
}

inline bool isVariationKey(GlyphKey key) { return (key & glyph_key_detail::kVariationBit) != 0; }

// The code point, or the base of a variation sequence.
inline char32_t baseOf(GlyphKey key) { return key & ((1u << glyph_key_detail::kSelectorShift) - 1); }

// The selector of a variation sequence; 0 for a plain code point.
inline char32_t selectorOf(GlyphKey key) {
    using namespace glyph_key_detail;
    if (!isVariationKey(key)) return 0;
    std::uint32_t index = (key & ~kVariationBit) >> kSelectorShift;
    return index < 16 ? 0xFE00 + index : 0xE0100 + (index - 16);
}

// The font's glyph for a key; 0 when it has none.
inline std::uint16_t glyphFor(const FontFile& font, GlyphKey key) {
    return isVariationKey(key) ? font.variantGlyphId(baseOf(key), selectorOf(key)) : font.glyphId(key);
}

}  // namespace render
