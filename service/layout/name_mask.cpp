#include "layout/name_mask.h"

#include <algorithm>

#include "common/utf8.h"

namespace layout {
namespace {

const char32_t kBlot = U'●';

bool isSpace(char32_t c) { return c == U' ' || c == U'\u3000'; }

std::vector<std::u32string> words(const std::string& s) {
    std::vector<std::u32string> out;
    std::u32string cps = common::decodeUtf8(s).value_or(U"");
    std::u32string word;
    for (char32_t c : cps) {
        if (isSpace(c)) {
            if (!word.empty()) out.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) out.push_back(word);
    return out;
}

// Hiragana and katakana sit 0x60 apart for ぁ..ゖ / ァ..ヶ; the long-vowel
// mark ー and everything else stay as they are.
char32_t toKatakana(char32_t c) { return c >= U'\u3041' && c <= U'\u3096' ? c + 0x60 : c; }
char32_t toHiragana(char32_t c) { return c >= U'\u30A1' && c <= U'\u30F6' ? c - 0x60 : c; }

std::vector<std::u32string> converted(std::vector<std::u32string> ws, char32_t (*convert)(char32_t)) {
    for (auto& w : ws)
        for (auto& c : w) c = convert(c);
    return ws;
}

std::u32string joined(const std::vector<std::u32string>& parts, const std::u32string& sep) {
    std::u32string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

}  // namespace

NameMask::NameMask(const std::vector<PersonName>& names, MaskMode mode) : mode_(mode) {
    if (mode == MaskMode::None) return;
    for (const auto& person : names) {
        const std::vector<std::u32string> kana = converted(words(person.kana), toKatakana);
        std::vector<std::u32string> kanaInitials;
        for (const auto& w : kana) kanaInitials.push_back(w.substr(0, 1));
        // Without a フリガナ there is no initial to show: ● stands in.
        const std::u32string fullInitials = kana.empty() ? std::u32string(1, kBlot) : joined(kanaInitials, U"・");
        for (const auto& source : {words(person.name), kana}) {
            if (source.empty()) continue;
            auto initialOf = [&](size_t i) -> std::u32string {
                if (source.size() == 1) return fullInitials;  // the whole name written without a space
                if (i < kanaInitials.size()) return kanaInitials[i];
                return std::u32string(1, kBlot);
            };
            for (auto convert : {+[](char32_t c) { return c; }, &toKatakana, &toHiragana}) {
                std::vector<std::u32string> form = converted(source, convert);
                size_t total = 0;
                for (const auto& w : form) total += w.size();
                if (form.size() > 1) patterns_.push_back({form, fullInitials, total});
                for (size_t i = 0; i < form.size(); ++i)
                    if (form[i].size() >= 2) patterns_.push_back({{form[i]}, initialOf(i), form[i].size()});
            }
        }
    }
    // Longest first, so the full name wins over its words; a form met twice
    // (kanji are the same in every kana form) is kept once.
    std::stable_sort(patterns_.begin(), patterns_.end(),
                     [](const Pattern& a, const Pattern& b) { return a.length > b.length; });
    std::vector<Pattern> unique;
    for (auto& p : patterns_)
        if (std::none_of(unique.begin(), unique.end(), [&](const Pattern& u) { return u.words == p.words; }))
            unique.push_back(std::move(p));
    patterns_ = std::move(unique);
}

size_t NameMask::matchAt(const Pattern& p, const std::u32string& text, size_t at, std::u32string* replacement,
                         MaskMode mode) {
    std::u32string out;
    size_t pos = at;
    for (size_t i = 0; i < p.words.size(); ++i) {
        if (i > 0)
            while (pos < text.size() && isSpace(text[pos])) out += text[pos++];
        const std::u32string& w = p.words[i];
        if (text.compare(pos, w.size(), w) != 0) return 0;
        if (mode == MaskMode::Partial)
            for (size_t k = 0; k < w.size(); ++k) out += (w.size() == 1 || k % 2 == 1) ? kBlot : w[k];
        pos += w.size();
    }
    *replacement = mode == MaskMode::Partial ? out : p.initials;
    return pos - at;
}

std::string NameMask::apply(const std::string& text) const {
    if (patterns_.empty() || text.empty()) return text;
    // Validated input is UTF-8; anything else prints nothing rather than unmasked.
    auto cps = common::decodeUtf8(text);
    if (!cps) return "";
    std::u32string out;
    std::u32string replacement;
    for (size_t i = 0; i < cps->size();) {
        size_t matched = 0;
        for (const auto& p : patterns_)
            if ((matched = matchAt(p, *cps, i, &replacement, mode_)) > 0) break;
        if (matched > 0) {
            out += replacement;
            i += matched;
        } else {
            out += (*cps)[i++];
        }
    }
    return common::encodeUtf8(out);
}

}  // namespace layout
