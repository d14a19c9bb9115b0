#include "layout/reply_codes.h"

#include "common/utf8.h"
#include "layout/text_fitter.h"
#include "reply/page_code.h"
#include "reply/reply_ref.h"

namespace layout {
namespace {

constexpr double kQuietModulesInner = 2;  // towards the content
constexpr double kCaptionGapMm = 1.0;

Cell captionCell(double x, double y, double w, double h, const std::string& text, double sizePt,
                 const TextMeasurer& measurer) {
    Cell c;
    c.xMm = x;
    c.yMm = y;
    c.widthMm = w;
    c.heightMm = h;
    c.paddingMm = 0.3;
    FitRequest req;
    req.text = common::decodeUtf8(text).value_or(U"");
    req.widthMm = w - 2 * c.paddingMm;
    req.heightMm = h - 2 * c.paddingMm;
    req.fontSizePt = sizePt;
    req.minFontSizePt = 6;
    req.preferSingleLine = true;
    req.hAlign = HAlign::Left;
    c.text = fitText(req, measurer).block;
    c.value = text;
    return c;
}

// The code at (kCodeLeftMm, topMm) and the reference printed under it.
void addCode(Page& page, const reply::PageCode& code, double topMm, double moduleMm, const TextMeasurer& measurer) {
    CodeMark mark;
    mark.payload = reply::encodePageCode(code);
    if (mark.payload.empty()) return;
    mark.xMm = kCodeLeftMm;
    mark.yMm = topMm;
    mark.moduleMm = moduleMm;
    page.codes.push_back(mark);
    const double width = codeStripRightMm(moduleMm) - kCodeLeftMm;
    double y = topMm + kCodeModules * moduleMm + kCaptionGapMm;
    const char* label = code.part == reply::CodePart::ReplyHalf ? "返信用 照会番号" : "照会番号";
    page.codeCaptions.push_back(captionCell(kCodeLeftMm - 0.3, y, width, 3.6, label, 6.5, measurer));
    page.codeCaptions.push_back(
        captionCell(kCodeLeftMm - 0.3, y + 3.6, width, 4.4, reply::displayReplyRef(code.ref), 8.5, measurer));
}

// The cut line of a sheet with a reply half: its first dashed rule.
const Rule* cutLine(const Page& page) {
    for (const Rule& r : page.rules)
        if (r.dashed && r.y1Mm == r.y2Mm) return &r;
    return nullptr;
}

}  // namespace

double codeStripRightMm(double moduleMm) { return kCodeLeftMm + (kCodeModules + kQuietModulesInner) * moduleMm; }

void addReplyCodes(Document& doc, const std::string& ref, int document, const TextMeasurer& measurer,
                   double moduleMm) {
    if (ref.empty() || document < 0 || document > reply::kMaxCodeDocument) return;
    const double right = doc.pageWidthMm - doc.marginMm;
    const double contentWidth = doc.pageWidthMm - 2 * doc.marginMm;
    const double scale = (right - codeStripRightMm(moduleMm)) / contentWidth;
    const double topQuietMm = 4 * moduleMm;
    for (size_t i = 0; i < doc.pages.size() && i < static_cast<size_t>(reply::kMaxCodePage); ++i) {
        Page& page = doc.pages[i];
        page.contentScale = scale;
        page.contentOriginXMm = right;
        page.contentOriginYMm = doc.pageHeightMm / 2;  // the content stays centred in the height
        reply::PageCode code{ref, document, static_cast<int>(i) + 1, reply::CodePart::Page};
        addCode(page, code, std::max(doc.marginMm - 4.0, 5.0 + topQuietMm - 1.0), moduleMm, measurer);
        if (const Rule* cut = cutLine(page)) {
            const double cutY = page.contentOriginYMm + (cut->y1Mm - page.contentOriginYMm) * scale;
            code.part = reply::CodePart::ReplyHalf;
            addCode(page, code, cutY + topQuietMm, moduleMm, measurer);
        }
    }
}

}  // namespace layout
