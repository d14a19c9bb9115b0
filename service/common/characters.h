// Which characters the service accepts in submitted text, and how one printed
// character is made of code points (a base, then combining marks and
// variation selectors). Backed by ICU's character properties; only this
// module includes ICU. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace common {

// Unicode noncharacters: U+FDD0..U+FDEF and the last two code points of
// every plane (U+FFFE, U+FFFF, U+1FFFE, ... U+10FFFF).
bool isNoncharacter(char32_t cp);

// True for what no submitted text may hold: C0 controls other than tab, line
// feed and carriage return, DEL, C1 controls, noncharacters and UTF-16
// surrogates. XML 1.0 cannot carry most of them (so neither can an XLSX), and
// no font draws any. CR is allowed here because it is a line break to
// normalise (see the validator), not an error.
bool isForbiddenCharacter(char32_t cp);

// U+FE00..U+FE0F and the ideographic variation selectors U+E0100..U+E01EF.
bool isVariationSelector(char32_t cp);

// General category M (Mn, Mc, Me): combining marks such as U+3099/U+309A
// (the combining (semi-)voiced sound marks) and U+0301.
bool isCombiningMark(char32_t cp);

// Default-ignorable code points (ZWJ, BOM/ZWNBSP, soft hyphen, variation
// selectors, ...): invisible unless a font says otherwise.
bool isDefaultIgnorable(char32_t cp);

// True when cp is drawn as part of the character before it: a combining mark
// or a variation selector.
bool extendsPrevious(char32_t cp);

// End of the printed character (cluster) that starts at `start`: the index
// after the base and every mark or selector that follows it. A mark at the
// start of the text, with no base, is a cluster of its own.
std::size_t clusterEnd(const std::u32string& text, std::size_t start);

// Number of printed characters: code points that extend the one before them
// (marks, selectors) do not count. "葛" + U+E0100 is one character.
std::size_t characterCount(const std::u32string& text);

// Composes each base with the combining marks that follow it where Unicode
// has a precomposed character: か + U+3099 -> が, e + U+0301 -> é. This is
// the composition step of NFC alone: nothing is decomposed first, so CJK
// compatibility ideographs (U+F900..) and other singletons stay as sent,
// as names need. Sequences with no precomposed form (か + U+309A) stay.
std::u32string composeMarks(const std::u32string& text);

// "U+FFFE", "U+E0100": how messages and warnings name a code point.
std::string codePointName(char32_t cp);

}  // namespace common
