#include "render/pdf/document_fonts.h"

#include <podofo/podofo.h>

#include <stdexcept>

#include "render/pdf/font_file.h"
#include "common/utf8.h"

namespace render {

namespace {

const char* resourceName(FontSlot slot) { return slot == FontSlot::Fallback ? "F2" : "F1"; }

}  // namespace

DocumentFonts::DocumentFonts(const FontMetrics& metrics)
    : metrics_(metrics), primary_(std::make_unique<SubsetFont>(*metrics.fontFile(FontSlot::Primary))) {}

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

void DocumentFonts::collect(std::string_view text) {
    for (char32_t cp : common::decodeUtf8(std::string(text)).value_or(U"\uFFFD")) {
        Glyph glyph = resolve(cp);
        subsetFor(glyph.slot).add(glyph.codePoint);
    }
}

common::Status DocumentFonts::finish() {
    for (SubsetFont* font : {primary_.get(), fallback_.get()}) {
        if (!font || font->empty()) continue;
        common::Status status = font->finish();
        if (!status) return status;
    }
    return common::Status::ok();
}

void DocumentFonts::show(ContentStream& out, std::string_view text, double fontSizePt) const {
    std::vector<std::uint16_t> run;  // CIDs of consecutive characters from one font
    FontSlot runSlot = FontSlot::Primary;
    for (char32_t cp : common::decodeUtf8(std::string(text)).value_or(U"\uFFFD")) {
        Glyph glyph = resolve(cp);
        if (glyph.slot != runSlot) {
            out.showGlyphs(resourceName(runSlot), fontSizePt, run);
            run.clear();
            runSlot = glyph.slot;
        }
        const SubsetFont* font = glyph.slot == FontSlot::Fallback ? fallback_.get() : primary_.get();
        if (!font) throw std::logic_error("DocumentFonts::show: text was not collected");
        run.push_back(font->cid(glyph.codePoint));
    }
    out.showGlyphs(resourceName(runSlot), fontSizePt, run);
}

PoDoFo::PdfDictionary DocumentFonts::writeFonts(PoDoFo::PdfVecObjects& objects) const {
    PoDoFo::PdfDictionary fonts;
    if (!primary_->empty()) fonts.AddKey(resourceName(FontSlot::Primary), primary_->writeObjects(objects)->Reference());
    if (fallback_) fonts.AddKey(resourceName(FontSlot::Fallback), fallback_->writeObjects(objects)->Reference());
    return fonts;
}

}  // namespace render
