#include "layout/line_breaker.h"

#include "common/characters.h"

namespace layout {
namespace {

bool isLatin(char32_t c) {
    return (c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z') ||
           (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) ||
           c == U'.' || c == U',' || c == U'-' || c == U'_' || c == U'/' || c == U'@' || c == U':' || c == U'%' ||
           c == U'+' || c == U'#' || c == U'&' || c == U'\'' || (c >= 0xC0 && c <= 0x24F);
}

// Spaces are break opportunities and vanish at a break. The ideographic space
// separates the options of a check-box run (■自立　□見守り).
bool isSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\u3000'; }



// The last character of a unit that is not a mark or selector: what the
// 禁則 rules look at.
char32_t lastBase(const std::u32string& unit) {
    for (auto it = unit.rbegin(); it != unit.rend(); ++it)
        if (!common::extendsPrevious(*it)) return *it;
    return unit.back();
}

// Splits one paragraph into units that must not be broken inside.
std::vector<std::u32string> units(const std::u32string& para) {
    std::vector<std::u32string> out;
    bool inCheckLabel = false;  // a box and its label stay together up to the next space
    for (char32_t c : para) {
        if (c == U'\t') c = U' ';
        bool haveLast = !out.empty();
        if (haveLast && common::extendsPrevious(c)) {  // a mark or selector stays with its base
            out.back() += c;
            continue;
        }
        char32_t lastChar = haveLast ? lastBase(out.back()) : 0;
        bool lastIsSpace = haveLast && isSpace(lastChar);
        if (isSpace(c)) inCheckLabel = false;
        if (haveLast && !lastIsSpace && !isSpace(c) &&
            (inCheckLabel || isNoLineStart(c) || isNoLineEnd(lastChar) || (isLatin(c) && isLatin(lastChar)))) {
            out.back() += c;
        } else {
            out.push_back(std::u32string(1, c));
        }
        if (isCheckBox(c)) inCheckLabel = true;
    }
    return out;
}

void trimTrailingSpaces(std::u32string& line) {
    while (!line.empty() && isSpace(line.back())) line.pop_back();
}

}  // namespace

bool isNoLineStart(char32_t c) {
    static const std::u32string kChars =
        U"、。，．・：；？！ー）」』】〕］｝〉》〙〗”’,.:;?!)]}ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々ゝゞヽヾ…‥ｰ｡､ｧｨｩｪｫｬｭｮｯ゛゜";
    return kChars.find(c) != std::u32string::npos;
}

bool isNoLineEnd(char32_t c) {
    static const std::u32string kChars = U"（「『【〔［｛〈《〘〖“‘([{■□";
    return kChars.find(c) != std::u32string::npos;
}

bool isCheckBox(char32_t c) { return c == U'■' || c == U'□'; }

double advanceEmAt(char32_t c, double sizePt, const TextMeasurer& measurer) {
    double em = measurer.advanceEm(c == U'\t' ? U' ' : c);
    if (isCheckBox(c) && sizePt < kCheckBoxMinPt) em *= kCheckBoxMinPt / sizePt;
    return em;
}

double widthEm(const std::u32string& text, double sizePt, const TextMeasurer& measurer) {
    double w = 0;
    // A mark or selector after a base takes no room of its own: the PDF draws
    // it over the base, and a variant glyph is as wide as its base.
    for (size_t i = 0; i < text.size(); ++i)
        if (i == 0 || !common::extendsPrevious(text[i])) w += advanceEmAt(text[i], sizePt, measurer);
    return w;
}

std::vector<std::u32string> breakLines(const std::u32string& text, double maxWidthEm, double sizePt,
                                       const TextMeasurer& measurer) {
    std::vector<std::u32string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(U'\n', start);
        if (end == std::u32string::npos) end = text.size();
        std::u32string line;
        double lineWidth = 0;
        bool paragraphHasLine = false;
        for (const std::u32string& unit : units(text.substr(start, end - start))) {
            if (line.empty() && paragraphHasLine && isSpace(unit[0])) continue;  // no space at a wrapped line's start
            double w = widthEm(unit, sizePt, measurer);
            if (lineWidth + w <= maxWidthEm + 1e-9) {
                line += unit;
                lineWidth += w;
                continue;
            }
            if (isSpace(unit[0])) {  // a space at the break point disappears
                trimTrailingSpaces(line);
                lines.push_back(line);
                paragraphHasLine = true;
                line.clear();
                lineWidth = 0;
                continue;
            }
            if (!line.empty()) {
                trimTrailingSpaces(line);
                lines.push_back(line);
                paragraphHasLine = true;
                line.clear();
                lineWidth = 0;
            }
            if (w <= maxWidthEm + 1e-9) {
                line = unit;
                lineWidth = w;
                continue;
            }
            // A unit wider than the whole line (a long number or URL): split it
            // by character, a base always with its marks and selector.
            for (size_t i = 0, end; i < unit.size(); i = end) {
                end = common::clusterEnd(unit, i);
                std::u32string c = unit.substr(i, end - i);
                double cw = widthEm(c, sizePt, measurer);
                if (!line.empty() && lineWidth + cw > maxWidthEm + 1e-9) {
                    lines.push_back(line);
                    paragraphHasLine = true;
                    line.clear();
                    lineWidth = 0;
                }
                line += c;
                lineWidth += cw;
            }
        }
        trimTrailingSpaces(line);
        if (!line.empty() || !paragraphHasLine) lines.push_back(line);
        if (end == text.size()) break;
        start = end + 1;
    }
    return lines;
}

}  // namespace layout
