// Masking of the patient's name in the text of a fax rendering (rules.md
// §4.1): every occurrence of the family or given name, in kanji, katakana or
// hiragana, is replaced the way the fax label shows the name. Pure; a
// NameMask is immutable once built and safe to share between threads.
#pragma once

#include <string>
#include <vector>

namespace layout {

// How personal data prints on a fax (rules.md §4.1). Cells with a "masked"
// member print their stand-in field instead when the mode is not None.
enum class MaskMode { None, Initials, Partial };

// A person's name as a sheet holds it: name "雪原 正夫", kana "ユキハラ　マサオ".
// Family and given name are split at a half- or full-width space.
struct PersonName {
    std::string name;
    std::string kana;
};

// Replaces the names' occurrences in text. Each name yields the words of its
// name and kana (the kana also in katakana and in hiragana); a word is found
// on its own when it has two characters or more, and as part of the full
// name (words in order, with or without a space between them) in any case.
//   Initials: a word becomes its kana initial (雪原様 -> ユ様), the full name
//             the kana initials joined by ・, like the fax label (ユ・マ).
//             A word with no kana to take the initial from becomes ●.
//   Partial:  every other character of each word becomes ● (雪●様, ゆ●は●),
//             and a one-character word becomes ● altogether.
// With MaskMode::None or no usable names, apply() returns text unchanged.
class NameMask {
public:
    NameMask() = default;
    NameMask(const std::vector<PersonName>& names, MaskMode mode);

    std::string apply(const std::string& text) const;
    bool empty() const { return patterns_.empty(); }

private:
    struct Pattern {
        std::vector<std::u32string> words;
        std::u32string initials;  // the replacement in Initials mode
        size_t length = 0;        // code points without separators, for longest-first order
    };
    // Code points of the match of p at text[at], or 0.
    static size_t matchAt(const Pattern& p, const std::u32string& text, size_t at, std::u32string* replacement,
                          MaskMode mode);

    MaskMode mode_ = MaskMode::None;
    std::vector<Pattern> patterns_;  // longest first
};

}  // namespace layout
