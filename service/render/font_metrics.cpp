#include "render/font_metrics.h"

#include <mutex>

#include "render/pdf/font_file.h"

namespace render {

struct FontMetrics::Impl {
    std::string primaryPath;
    std::string fallbackPath;
    std::unique_ptr<const FontFile> primary;
    // The fallback (IPAmj Mincho, 46 MB) is read only when a document needs a
    // glyph the primary font lacks; once_flag makes that load thread-safe and
    // fallback immutable afterwards.
    std::once_flag fallbackOnce;
    std::unique_ptr<const FontFile> fallback;

    const FontFile* loadedFallback() {
        std::call_once(fallbackOnce, [this] {
            if (fallbackPath.empty()) return;
            auto loaded = FontFile::load(fallbackPath);
            // An unreadable fallback only costs coverage: those code points
            // become Missing and print as the substitute glyph.
            if (loaded) fallback = std::move(loaded).value();
        });
        return fallback.get();
    }
};

common::Result<std::shared_ptr<FontMetrics>> FontMetrics::open(const std::string& primaryPath,
                                                               const std::string& fallbackPath) {
    auto primary = FontFile::load(primaryPath);
    if (!primary) return primary.status();
    auto impl = std::make_unique<Impl>();
    impl->primaryPath = primaryPath;
    impl->fallbackPath = fallbackPath;
    impl->primary = std::move(primary).value();
    return std::shared_ptr<FontMetrics>(new FontMetrics(std::move(impl)));
}

FontMetrics::FontMetrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FontMetrics::~FontMetrics() = default;

FontSlot FontMetrics::slotFor(char32_t codePoint) const {
    if (impl_->primary->glyphId(codePoint) != 0) return FontSlot::Primary;
    const FontFile* fallback = impl_->loadedFallback();
    if (fallback && fallback->glyphId(codePoint) != 0) return FontSlot::Fallback;
    return FontSlot::Missing;
}

FontSlot FontMetrics::slotFor(char32_t base, char32_t selector) const {
    if (impl_->primary->variantGlyphId(base, selector) != 0) return FontSlot::Primary;
    const FontFile* fallback = impl_->loadedFallback();
    if (fallback && fallback->variantGlyphId(base, selector) != 0) return FontSlot::Fallback;
    return FontSlot::Missing;
}

bool FontMetrics::hasVariant(char32_t base, char32_t selector) const {
    return slotFor(base, selector) != FontSlot::Missing;
}

const FontFile* FontMetrics::fontFile(FontSlot slot) const {
    switch (slot) {
        case FontSlot::Primary: return impl_->primary.get();
        case FontSlot::Fallback: return impl_->loadedFallback();
        case FontSlot::Missing: break;
    }
    return nullptr;
}

double FontMetrics::advanceEm(char32_t codePoint) const {
    FontSlot slot = slotFor(codePoint);
    if (slot == FontSlot::Missing) {
        // The substitute is what gets printed, so its width is what the layout needs.
        if (codePoint == kSubstituteCodePoint) return 1.0;
        return advanceEm(kSubstituteCodePoint);
    }
    const FontFile* font = fontFile(slot);
    return static_cast<double>(font->advanceUnits(font->glyphId(codePoint))) / font->unitsPerEm();
}

bool FontMetrics::hasGlyph(char32_t codePoint) const { return slotFor(codePoint) != FontSlot::Missing; }

double FontMetrics::ascentEm() const {
    return static_cast<double>(impl_->primary->ascender()) / impl_->primary->unitsPerEm();
}

double FontMetrics::descentEm() const {
    return -static_cast<double>(impl_->primary->descender()) / impl_->primary->unitsPerEm();
}

const std::string& FontMetrics::primaryPath() const { return impl_->primaryPath; }

const std::string& FontMetrics::fallbackPath() const { return impl_->fallbackPath; }

}  // namespace render
