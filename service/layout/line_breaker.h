// Line breaking for Japanese text by the 禁則 rules of JIS X 4051, simplified:
// no line starts with closing brackets, small kana, 、。 and similar; no line
// ends with an opening bracket; a run of Latin letters or digits stays whole
// unless it alone is wider than the line. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "layout/text_measurer.h"

namespace layout {

// Check boxes (■ □) print at no less than this size, so that the box (0.742 em
// in IPAex Gothic) is at least 3 mm and survives a fax machine. Their advance
// grows to match; the PDF renderer draws them at this size.
constexpr double kCheckBoxMinPt = 11.5;
bool isCheckBox(char32_t c);
// Advance of one code point in em of sizePt, check boxes enlarged.
double advanceEmAt(char32_t c, double sizePt, const TextMeasurer& measurer);

// Width of text in em at sizePt. Combining marks and variation selectors add
// nothing: they print over the character before them.
double widthEm(const std::u32string& text, double sizePt, const TextMeasurer& measurer);

// Breaks text set at sizePt into lines of at most maxWidthEm. '\n' forces a
// break; a tab counts as a space. Spaces at the end of a line are dropped. A
// character never parts from its combining marks or variation selector.
std::vector<std::u32string> breakLines(const std::u32string& text, double maxWidthEm, double sizePt,
                                       const TextMeasurer& measurer);

bool isNoLineStart(char32_t c);
bool isNoLineEnd(char32_t c);

}  // namespace layout
