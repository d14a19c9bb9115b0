#include "common/characters.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace common {

namespace {

const UNormalizer2* nfc() {
    // ICU builds the instance once and keeps it; it is immutable and shared.
    static const UNormalizer2* instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const UNormalizer2* n = unorm2_getNFCInstance(&status);
        if (U_FAILURE(status) || !n) throw std::logic_error("ICU has no NFC data");
        return n;
    }();
    return instance;
}

}  // namespace

bool isNoncharacter(char32_t cp) { return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE; }

bool isForbiddenCharacter(char32_t cp) {
    if (cp == U'\t' || cp == U'\n' || cp == U'\r') return false;
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
           isNoncharacter(cp);
}

bool isVariationSelector(char32_t cp) { return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF); }

bool isCombiningMark(char32_t cp) { return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) != 0; }

bool isDefaultIgnorable(char32_t cp) {
    return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_DEFAULT_IGNORABLE_CODE_POINT) != 0;
}

bool extendsPrevious(char32_t cp) {
    if (cp < 0x300) return false;  // the layout asks for every character; Latin-1 has no marks
    return isVariationSelector(cp) || isCombiningMark(cp);
}

std::size_t clusterEnd(const std::u32string& text, std::size_t start) {
    std::size_t end = start + 1;
    while (end < text.size() && extendsPrevious(text[end])) ++end;
    return end;
}

std::size_t characterCount(const std::u32string& text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); i = clusterEnd(text, i)) ++count;
    return count;
}

std::u32string composeMarks(const std::u32string& text) {
    // UAX #15 canonical composition, without the decomposition and reordering
    // before it: a mark composes with the last starter unless a mark in
    // between has a combining class as high or higher (it is "blocked").
    std::u32string out;
    out.reserve(text.size());
    std::size_t starter = std::u32string::npos;
    int highestBetween = -1;  // combining class of the marks after the starter; -1: none yet
    for (char32_t c : text) {
        int ccc = u_getCombiningClass(static_cast<UChar32>(c));
        if (starter != std::u32string::npos && highestBetween < ccc) {
            UChar32 composed = unorm2_composePair(nfc(), static_cast<UChar32>(out[starter]), static_cast<UChar32>(c));
            if (composed >= 0) {
                out[starter] = static_cast<char32_t>(composed);
                continue;
            }
        }
        if (ccc == 0) {
            starter = out.size();
            highestBetween = -1;
        } else {
            highestBetween = std::max(highestBetween, ccc);
        }
        out.push_back(c);
    }
    return out;
}

std::string codePointName(char32_t cp) {
    char name[16];
    std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(cp));
    return name;
}

}  // namespace common
