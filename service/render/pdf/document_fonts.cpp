#include "render/pdf/document_fonts.h"

#include <podofo/podofo.h>

#include <stdexcept>

#include "common/characters.h"
#include "common/utf8.h"
#include "layout/line_breaker.h"
#include "render/pdf/font_file.h"
#include "render/pdf/glyph_key.h"

namespace render {

namespace {

const char* resourceName(FontSlot slot) { return slot == FontSlot::Fallback ? "F2" : "F1"; }

// UTF-8 to code points into out (cleared first). Invalid UTF-8 becomes one
// U+FFFD, as the layout never passes such text.
void decodeInto(const std::string& text, std::u32string& out) {
    out.clear();
    bool ascii = true;
    for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
        out.assign(text.begin(), text.end());
        return;
    }
    auto decoded = common::decodeUtf8(text);
    if (decoded) {
        out = std::move(*decoded);
    } else {
        out.assign(1, U'\uFFFD');
    }
}

}  // namespace

DocumentFonts::DocumentFonts(const FontMetrics& metrics, SubsetCache& cache)
    : metrics_(metrics), cache_(cache), primary_(std::make_unique<SubsetFont>(*metrics.fontFile(FontSlot::Primary))) {}

template <typename Visit>
void DocumentFonts::forEachCluster(const std::string& text, Visit&& visit) const {
    std::u32string& cps = codePoints_;
    decodeInto(text, cps);
    Cluster& cluster = cluster_;
    for (std::size_t i = 0, end; i < cps.size(); i = end) {
        end = common::clusterEnd(cps, i);
        const char32_t base = cps[i];
        FontSlot slot = metrics_.slotFor(base);
        // Invisible characters no font has (ZWJ, a selector with no base)
        // print nothing rather than 〓; the layout normally drops them already.
        if (slot == FontSlot::Missing && common::isDefaultIgnorable(base)) continue;
        if (slot != FontSlot::Missing) {
            cluster.glyph = {slot, base};
        } else {
            // The layout normally substitutes already; this keeps a stray character
            // from leaving a gap. If even 〓 is missing the primary's .notdef box shows.
            slot = metrics_.slotFor(kSubstituteCodePoint);
            cluster.glyph = {slot == FontSlot::Missing ? FontSlot::Primary : slot, kSubstituteCodePoint};
        }
        cluster.marks.clear();
        for (std::size_t k = i + 1; k < end; ++k) {
            char32_t c = cps[k];
            if (common::isVariationSelector(c)) {
                // The first selector a font lists picks the glyph; any other is ignored.
                if (cluster.glyph.key == base) {
                    FontSlot variant = metrics_.slotFor(base, c);
                    if (variant != FontSlot::Missing) cluster.glyph = {variant, variationKey(base, c)};
                }
                continue;
            }
            FontSlot markSlot = metrics_.slotFor(c);
            if (markSlot != FontSlot::Missing) cluster.marks.push_back({markSlot, c});  // a mark no font has is left out
        }
        if (cluster.marks.empty()) {
            cluster.text.clear();
        } else {
            cluster.text.assign(cps, i, end - i);
        }
        visit(static_cast<const Cluster&>(cluster));
    }
}

SubsetFont& DocumentFonts::subsetFor(FontSlot slot) {
    if (slot != FontSlot::Fallback) return *primary_;
    if (!fallback_) fallback_ = std::make_unique<SubsetFont>(*metrics_.fontFile(FontSlot::Fallback));
    return *fallback_;
}

void DocumentFonts::collect(const std::string& text, bool shared) {
    forEachCluster(text, [&](const Cluster& cluster) {
        subsetFor(cluster.glyph.slot).add(cluster.glyph.key, shared);
        for (const Glyph& mark : cluster.marks) subsetFor(mark.slot).add(mark.key, shared);
    });
}

common::Status DocumentFonts::finish() {
    for (SubsetFont* font : {primary_.get(), fallback_.get()}) {
        if (!font || font->empty()) continue;
        common::Status status = font->finish(cache_);
        if (!status) return status;
    }
    return common::Status::ok();
}

void DocumentFonts::show(ContentStream& out, const std::string& text, double fontSizePt) const {
    std::vector<std::uint16_t> run;  // CIDs of consecutive characters from one font
    FontSlot runSlot = FontSlot::Primary;
    auto fontOf = [this](FontSlot slot) -> const SubsetFont& {
        const SubsetFont* font = slot == FontSlot::Fallback ? fallback_.get() : primary_.get();
        if (!font) throw std::logic_error("DocumentFonts::show: text was not collected");
        return *font;
    };
    forEachCluster(text, [&](const Cluster& cluster) {
        const Glyph& glyph = cluster.glyph;
        const SubsetFont& font = fontOf(glyph.slot);
        if (layout::isCheckBox(glyph.key) && fontSizePt < layout::kCheckBoxMinPt) {
            // A check box stays at least 3 mm wide on a fax: drawn at the
            // minimum box size (the layout reserved that advance), lowered so
            // its centre stays at the centre of the smaller text (0.38 em
            // above the baseline, for the box and for kanji alike).
            out.showGlyphs(resourceName(runSlot), fontSizePt, run);
            run.clear();
            out.setRise(-0.38 * (layout::kCheckBoxMinPt - fontSizePt));
            out.showGlyphs(resourceName(glyph.slot), layout::kCheckBoxMinPt, {font.cid(glyph.key)});
            out.setRise(0);
            runSlot = glyph.slot;
            return;
        }
        if (glyph.slot != runSlot) {
            out.showGlyphs(resourceName(runSlot), fontSizePt, run);
            run.clear();
            runSlot = glyph.slot;
        }
        run.push_back(font.cid(glyph.key));
        if (cluster.marks.empty()) return;
        // Each mark is drawn from the base's origin, as the fonts design
        // them (IPAex Gothic's U+309A is a full-width glyph whose ring sits at
        // the top right), and the pen ends where the base alone would leave
        // it: the layout gave the cluster the base's advance. Text extraction
        // would see the mark as a separate, overlapping character, so the
        // cluster carries its text as /ActualText.
        run.pop_back();
        out.showGlyphs(resourceName(runSlot), fontSizePt, run);
        run.clear();
        out.beginActualText(cluster.text);
        out.showGlyphs(resourceName(runSlot), fontSizePt, {font.cid(glyph.key)});
        const int baseWidth = font.widthOf(glyph.key);
        for (const Glyph& mark : cluster.marks) {
            const SubsetFont& markFont = fontOf(mark.slot);
            out.moveBack(baseWidth);
            out.showGlyphs(resourceName(mark.slot), fontSizePt, {markFont.cid(mark.key)});
            out.moveBack(markFont.widthOf(mark.key) - baseWidth);
            runSlot = mark.slot;
        }
        out.endActualText();
    });
    out.showGlyphs(resourceName(runSlot), fontSizePt, run);
}

std::string DocumentFonts::sharedKey() const {
    std::string key;
    for (const SubsetFont* font : {primary_.get(), fallback_.get()}) {
        static const std::vector<char32_t> kNone;
        const auto& shared = font ? font->sharedCodePoints() : kNone;
        auto count = static_cast<std::uint32_t>(shared.size());  // a count first keeps the two lists apart
        key.append(reinterpret_cast<const char*>(&count), sizeof count);
        key.append(reinterpret_cast<const char*>(shared.data()), shared.size() * sizeof(char32_t));
    }
    return key;
}

PoDoFo::PdfDictionary DocumentFonts::writeFonts(PoDoFo::PdfVecObjects& objects) const {
    PoDoFo::PdfDictionary fonts;
    if (!primary_->empty()) fonts.AddKey(resourceName(FontSlot::Primary), primary_->writeObjects(objects)->Reference());
    if (fallback_) fonts.AddKey(resourceName(FontSlot::Fallback), fallback_->writeObjects(objects)->Reference());
    return fonts;
}

}  // namespace render
