#include "layout/text_fitter.h"

#include <algorithm>
#include <cmath>

#include "common/utf8.h"
#include "layout/line_breaker.h"

namespace layout {
namespace {

// Enlarged check boxes need a taller line, or boxes on consecutive lines touch.
double lineHeightFor(const std::u32string& text, double sizePt) {
    const bool boxes = text.find(U'■') != std::u32string::npos || text.find(U'□') != std::u32string::npos;
    const double plain = sizePt * kLineSpacing;
    return boxes ? std::max(plain, kCheckBoxMinPt * 0.88) : plain;
}

TextBlock makeBlock(const std::vector<std::u32string>& lines, double sizePt, const FitRequest& req,
                    const TextMeasurer& measurer) {
    TextBlock block;
    block.fontSizePt = sizePt;
    block.lineHeightPt = lineHeightFor(req.text, sizePt);
    block.hAlign = req.hAlign;
    block.vAlign = req.vAlign;
    for (const auto& l : lines) block.lines.push_back({common::encodeUtf8(l), widthEm(l, sizePt, measurer) * sizePt});
    return block;
}

bool fitsHeight(size_t lines, double sizePt, double heightPt, const std::u32string& text, const TextMeasurer& measurer) {
    if (lines == 0) return true;
    double h = blockHeightPt(1, sizePt, measurer) + (lines - 1) * lineHeightFor(text, sizePt);
    return h <= heightPt + 1e-6;
}

}  // namespace

double blockHeightPt(int lines, double fontSizePt, const TextMeasurer& measurer) {
    if (lines <= 0) return 0;
    return fontSizePt * (measurer.ascentEm() + measurer.descentEm()) + (lines - 1) * fontSizePt * kLineSpacing;
}

FitResult fitText(const FitRequest& req, const TextMeasurer& measurer) {
    const double widthPt = req.widthMm * kPtPerMm;
    const double heightPt = req.heightMm * kPtPerMm;
    FitResult result;
    if (req.text.empty()) {
        result.fits = true;
        result.block = makeBlock({}, req.fontSizePt, req, measurer);
        return result;
    }
    const bool hasNewline = req.text.find(U'\n') != std::u32string::npos;
    if (req.preferSingleLine && !hasNewline) {
        for (double size = req.fontSizePt; size >= req.minFontSizePt - 1e-9; size -= kFontStepPt) {
            if (widthEm(req.text, size, measurer) * size <= widthPt + 1e-6 && fitsHeight(1, size, heightPt, req.text, measurer)) {
                result.fits = true;
                result.block = makeBlock({req.text}, size, req, measurer);
                return result;
            }
        }
    }
    // Wrapping only adds to the width the text has on one line, so a text
    // needs at least that width over the box width lines at any size: sizes
    // at which even that many do not fit are passed over without breaking the
    // whole text again (a long note would otherwise be broken at every size).
    const double oneLineEm = widthEm(req.text, req.fontSizePt, measurer);
    const bool boxes = req.text.find(U'■') != std::u32string::npos || req.text.find(U'□') != std::u32string::npos;
    std::vector<std::u32string> lines;
    double size = req.fontSizePt;
    for (; size >= req.minFontSizePt - 1e-9; size -= kFontStepPt) {
        const double leastLines = std::floor(oneLineEm * size / widthPt * (1 - 1e-9));
        if (!boxes && leastLines > 1 && !fitsHeight(static_cast<size_t>(leastLines), size, heightPt, req.text, measurer))
            continue;
        lines = breakLines(req.text, widthPt / size, size, measurer);
        if (fitsHeight(lines.size(), size, heightPt, req.text, measurer)) {
            result.fits = true;
            result.block = makeBlock(lines, size, req, measurer);
            return result;
        }
    }
    size = req.minFontSizePt;
    result.block = makeBlock(breakLines(req.text, widthPt / size, size, measurer), size, req, measurer);
    return result;
}

TextBlock wrapText(const std::u32string& text, double widthMm, double fontSizePt, const TextMeasurer& measurer) {
    FitRequest req;
    req.hAlign = HAlign::Left;
    req.vAlign = VAlign::Top;
    return makeBlock(breakLines(text, widthMm * kPtPerMm / fontSizePt, fontSizePt, measurer), fontSizePt, req, measurer);
}

}  // namespace layout
