// What of a text the sheet fonts can print, decided before the text is
// fitted, so that widths and line breaks match what the PDF draws. Pure
// function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "layout/text_measurer.h"

namespace layout {

// The text as the fonts print it, with a warning per change, each noted once
// ("<code>: <where> U+XXXX", where = field key or "label"):
// - a character no font has becomes 〓, its marks and selector going with it
//   (glyph_substituted);
// - a variation sequence no font lists prints its base alone: 葛 + U+E0100
//   becomes 葛 (variant_unavailable, naming base and selector);
// - a combining mark no font has is left out (mark_omitted);
// - an invisible character no font has (ZWJ, BOM, a selector with no base)
//   is left out silently.
// Line feeds and tabs pass through for the line breaker. Invalid UTF-8
// gives "" (validated input never has it).
std::u32string printableText(const std::string& text, const TextMeasurer& measurer, const std::string& where,
                             std::vector<std::string>& warnings);

}  // namespace layout
