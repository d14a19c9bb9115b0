#include "layout/line_breaker.h"

#include <algorithm>

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



// A piece of a paragraph that must not be broken inside: [begin, end).
struct Unit {
    size_t begin;
    size_t end;
};

// Splits one paragraph (tabs already spaces) into units that must not be
// broken inside.
std::vector<Unit> units(const std::u32string& para) {
    std::vector<Unit> out;
    bool inCheckLabel = false;  // a box and its label stay together up to the next space
    char32_t lastChar = 0;      // lastBase of the last unit
    for (size_t i = 0; i < para.size(); ++i) {
        const char32_t c = para[i];
        const bool haveLast = !out.empty();
        if (haveLast && common::extendsPrevious(c)) {  // a mark or selector stays with its base
            out.back().end = i + 1;
            continue;
        }
        const bool lastIsSpace = haveLast && isSpace(lastChar);
        if (isSpace(c)) inCheckLabel = false;
        if (haveLast && !lastIsSpace && !isSpace(c) &&
            (inCheckLabel || isNoLineStart(c) || isNoLineEnd(lastChar) || (isLatin(c) && isLatin(lastChar)))) {
            out.back().end = i + 1;
        } else {
            out.push_back({i, i + 1});
        }
        lastChar = c;
        if (isCheckBox(c)) inCheckLabel = true;
    }
    return out;
}

void trimTrailingSpaces(std::u32string& line) {
    while (!line.empty() && isSpace(line.back())) line.pop_back();
}

}  // namespace

namespace {

// A set of code points looked up by binary search: the 禁則 tables are asked
// about every character of every text, so a linear search dominated layout.
class CodePointSet {
public:
    explicit CodePointSet(const std::u32string& chars) : sorted_(chars) { std::sort(sorted_.begin(), sorted_.end()); }
    bool contains(char32_t c) const { return std::binary_search(sorted_.begin(), sorted_.end(), c); }

private:
    std::u32string sorted_;
};

}  // namespace

bool isNoLineStart(char32_t c) {
    static const CodePointSet kChars(
        U"、。，．・：；？！ー）」』】〕］｝〉》〙〗”’,.:;?!)]}ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々ゝゞヽヾ…‥ｰ｡､ｧｨｩｪｫｬｭｮｯ゛゜");
    return kChars.contains(c);
}

bool isNoLineEnd(char32_t c) {
    static const CodePointSet kChars(U"（「『【〔［｛〈《〘〖“‘([{■□");
    return kChars.contains(c);
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
    std::u32string para;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(U'\n', start);
        if (end == std::u32string::npos) end = text.size();
        para.assign(text, start, end - start);
        for (char32_t& c : para)
            if (c == U'\t') c = U' ';
        std::u32string line;
        double lineWidth = 0;
        bool paragraphHasLine = false;
        auto flush = [&](bool trim) {
            if (trim) trimTrailingSpaces(line);
            lines.push_back(std::move(line));
            paragraphHasLine = true;
            line.clear();
            lineWidth = 0;
        };
        for (const Unit& unit : units(para)) {
            const char32_t first = para[unit.begin];
            if (line.empty() && paragraphHasLine && isSpace(first)) continue;  // no space at a wrapped line's start
            double w = 0;
            for (size_t i = unit.begin; i < unit.end; ++i)
                if (i == unit.begin || !common::extendsPrevious(para[i])) w += advanceEmAt(para[i], sizePt, measurer);
            if (lineWidth + w <= maxWidthEm + 1e-9) {
                line.append(para, unit.begin, unit.end - unit.begin);
                lineWidth += w;
                continue;
            }
            if (isSpace(first)) {  // a space at the break point disappears
                flush(true);
                continue;
            }
            if (!line.empty()) flush(true);
            if (w <= maxWidthEm + 1e-9) {
                line.assign(para, unit.begin, unit.end - unit.begin);
                lineWidth = w;
                continue;
            }
            // A unit wider than the whole line (a long number or URL): split it
            // by character, a base always with its marks and selector.
            for (size_t i = unit.begin, next; i < unit.end; i = next) {
                next = std::min(common::clusterEnd(para, i), unit.end);
                double cw = advanceEmAt(para[i], sizePt, measurer);
                if (!line.empty() && lineWidth + cw > maxWidthEm + 1e-9) flush(false);
                line.append(para, i, next - i);
                lineWidth += cw;
            }
        }
        trimTrailingSpaces(line);
        if (!line.empty() || !paragraphHasLine) lines.push_back(std::move(line));
        if (end == text.size()) break;
        start = end + 1;
    }
    return lines;
}

}  // namespace layout
