// FontMetrics: glyph coverage and advance widths of the sheet fonts, read once
// from the font files with FreeType. The primary font is IPAex Gothic; the
// fallback (IPAmj Mincho) is opened lazily the first time a code point is
// missing from the primary font. Immutable after construction apart from that
// guarded lazy load; safe to share between threads.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "layout/text_measurer.h"

namespace render {

class FontFile;  // render/pdf/font_file.h

// Which font draws a code point.
enum class FontSlot { Primary, Fallback, Missing };

class FontMetrics : public layout::TextMeasurer {
public:
    // Opens the primary font file. fallbackPath may be empty (no fallback).
    // Returns IOError when the primary font cannot be read.
    static common::Result<std::shared_ptr<FontMetrics>> open(const std::string& primaryPath,
                                                             const std::string& fallbackPath);
    ~FontMetrics() override;
    FontMetrics(const FontMetrics&) = delete;
    FontMetrics& operator=(const FontMetrics&) = delete;

    double advanceEm(char32_t codePoint) const override;
    bool hasGlyph(char32_t codePoint) const override;
    double ascentEm() const override;
    double descentEm() const override;

    bool hasVariant(char32_t base, char32_t selector) const override;

    FontSlot slotFor(char32_t codePoint) const;
    // Which font lists the variation sequence base + selector in its cmap:
    // the primary when it does (IPAex Gothic has the Adobe-Japan1 sequences),
    // else the fallback (IPAmj Mincho has the Moji-Joho ones), else Missing.
    FontSlot slotFor(char32_t base, char32_t selector) const;
    const std::string& primaryPath() const;
    const std::string& fallbackPath() const;
    // For the PDF renderer: the font file behind a slot, shared and immutable
    // (the fallback is loaded on first use). nullptr for Missing, and for
    // Fallback when there is no usable fallback font.
    const FontFile* fontFile(FontSlot slot) const;

    struct Impl;

private:
    explicit FontMetrics(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The visible substitute printed for a code point that no font has.
constexpr char32_t kSubstituteCodePoint = U'\u3013';  // 〓

}  // namespace render
