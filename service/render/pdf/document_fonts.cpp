#include "render/pdf/document_fonts.h"

#include <podofo/podofo.h>

#include <stdexcept>

#include "render/pdf/font_file.h"
#include "common/utf8.h"
#include "layout/line_breaker.h"

namespace render {

namespace {

const char* resourceName(FontSlot slot) { return slot == FontSlot::Fallback ? "F2" : "F1"; }

}  // namespace

DocumentFonts::DocumentFonts(const FontMetrics& metrics, SubsetCache& cache)
    : metrics_(metrics), cache_(cache), primary_(std::make_unique<SubsetFont>(*metrics.fontFile(FontSlot::Primary))) {}

DocumentFonts::Glyph DocumentFonts::resolve(char32_t codePoint) const {
    FontSlot slot = metrics_.slotFor(codePoint);
    if (slot != FontSlot::Missing) return {slot, codePoint};
    // The layout normally substitutes already; this keeps a stray character
    // from leaving a gap. If even 〓 is missing the primary's .notdef box shows.
    slot = metrics_.slotFor(kSubstituteCodePoint);
    return {slot == FontSlot::Missing ? FontSlot::Primary : slot, kSubstituteCodePoint};
}

SubsetFont& DocumentFonts::subsetFor(FontSlot slot) {
    if (slot != FontSlot::Fallback) return *primary_;
    if (!fallback_) fallback_ = std::make_unique<SubsetFont>(*metrics_.fontFile(FontSlot::Fallback));
    return *fallback_;
}

void DocumentFonts::collect(const std::string& text, bool shared) {
    for (char32_t cp : common::decodeUtf8(text).value_or(U"\uFFFD")) {
        Glyph glyph = resolve(cp);
        subsetFor(glyph.slot).add(glyph.codePoint, shared);
    }
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
    for (char32_t cp : common::decodeUtf8(text).value_or(U"\uFFFD")) {
        Glyph glyph = resolve(cp);
        const SubsetFont* font = glyph.slot == FontSlot::Fallback ? fallback_.get() : primary_.get();
        if (!font) throw std::logic_error("DocumentFonts::show: text was not collected");
        if (layout::isCheckBox(cp) && fontSizePt < layout::kCheckBoxMinPt) {
            // A check box stays at least 3 mm wide on a fax: drawn at the
            // minimum box size (the layout reserved that advance), lowered so
            // its centre stays at the centre of the smaller text (0.38 em
            // above the baseline, for the box and for kanji alike).
            out.showGlyphs(resourceName(runSlot), fontSizePt, run);
            run.clear();
            out.setRise(-0.38 * (layout::kCheckBoxMinPt - fontSizePt));
            out.showGlyphs(resourceName(glyph.slot), layout::kCheckBoxMinPt, {font->cid(glyph.codePoint)});
            out.setRise(0);
            runSlot = glyph.slot;
            continue;
        }
        if (glyph.slot != runSlot) {
            out.showGlyphs(resourceName(runSlot), fontSizePt, run);
            run.clear();
            runSlot = glyph.slot;
        }
        run.push_back(font->cid(glyph.codePoint));
    }
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
