#include "layout/printable_text.h"

#include <algorithm>

#include "common/characters.h"
#include "common/utf8.h"

namespace layout {

namespace {

constexpr char32_t kSubstitute = U'\u3013';  // 〓, the glyph every font here has

void warnOnce(std::vector<std::string>& warnings, const std::string& warning) {
    if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end()) warnings.push_back(warning);
}

}  // namespace

std::u32string printableText(const std::string& text, const TextMeasurer& measurer, const std::string& where,
                             std::vector<std::string>& warnings) {
    std::u32string cps = common::decodeUtf8(text).value_or(U"");
    std::u32string out;
    out.reserve(cps.size());
    for (size_t i = 0, end; i < cps.size(); i = end) {
        end = common::clusterEnd(cps, i);
        char32_t base = cps[i];
        if (base == U'\n' || base == U'\t' || measurer.hasGlyph(base)) {
            out += base;
        } else if (common::isDefaultIgnorable(base)) {
            continue;  // invisible anyway, and so are the marks on it
        } else {
            warnOnce(warnings, "glyph_substituted: " + where + " " + common::codePointName(base));
            out += kSubstitute;
            continue;
        }
        bool variantKept = false;
        for (size_t k = i + 1; k < end; ++k) {
            char32_t c = cps[k];
            if (common::isVariationSelector(c)) {
                if (!variantKept && measurer.hasVariant(base, c)) {
                    out += c;
                    variantKept = true;
                } else if (!variantKept) {
                    warnOnce(warnings, "variant_unavailable: " + where + " " + common::codePointName(base) + " " +
                                           common::codePointName(c));
                }
            } else if (measurer.hasGlyph(c)) {
                out += c;
            } else if (!common::isDefaultIgnorable(c)) {
                warnOnce(warnings, "mark_omitted: " + where + " " + common::codePointName(c));
            }
        }
    }
    return out;
}

}  // namespace layout
