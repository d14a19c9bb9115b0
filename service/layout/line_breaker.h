// Line breaking for Japanese text by the 禁則 rules of JIS X 4051, simplified:
// no line starts with closing brackets, small kana, 、。 and similar; no line
// ends with an opening bracket; a run of Latin letters or digits stays whole
// unless it alone is wider than the line. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "layout/text_measurer.h"

namespace layout {

// Width of text in em.
double widthEm(const std::u32string& text, const TextMeasurer& measurer);

// Breaks text into lines of at most maxWidthEm. '\n' forces a break; a tab
// counts as a space. Spaces at the end of a line are dropped.
std::vector<std::u32string> breakLines(const std::u32string& text, double maxWidthEm, const TextMeasurer& measurer);

bool isNoLineStart(char32_t c);
bool isNoLineEnd(char32_t c);

}  // namespace layout
