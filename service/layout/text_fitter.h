// Fitting text into a box: wrap by 禁則 rules and shrink step by step down to
// a minimum size. Pure functions; thread-safe.
#pragma once

#include <string>

#include "layout/document.h"
#include "layout/text_measurer.h"

namespace layout {

struct FitRequest {
    std::u32string text;
    double widthMm = 0;   // inner width (padding already taken off)
    double heightMm = 0;  // inner height
    double fontSizePt = 9;
    double minFontSizePt = 7;
    // Single-line fields first shrink on one line, and wrap only when even
    // the minimum size is too wide; free text wraps at every size.
    bool preferSingleLine = false;
    HAlign hAlign = HAlign::Left;
    VAlign vAlign = VAlign::Middle;
};

constexpr double kLineSpacing = 1.2;     // baseline distance / font size
constexpr double kFontStepPt = 0.5;      // shrink step

// The block at the largest size that fits, or fits = false with the block
// wrapped at the minimum size (which overflows the box).
struct FitResult {
    bool fits = false;
    TextBlock block;
};
FitResult fitText(const FitRequest& request, const TextMeasurer& measurer);

// Height in pt that n lines need at size (first line's ascent+descent, then
// one line spacing per further line).
double blockHeightPt(int lines, double fontSizePt, const TextMeasurer& measurer);

// Lays text out at a fixed size and width, for continuation pages.
TextBlock wrapText(const std::u32string& text, double widthMm, double fontSizePt, const TextMeasurer& measurer);

}  // namespace layout
