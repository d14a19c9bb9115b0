// A measurer with round numbers: ASCII is half an em, everything else one em,
// and code points above U+1F000 have no glyph. Test-only.
#pragma once

#include "layout/text_measurer.h"

class FakeMeasurer : public layout::TextMeasurer {
public:
    double advanceEm(char32_t c) const override { return c < 0x80 ? 0.5 : 1.0; }
    bool hasGlyph(char32_t c) const override { return c < 0x1F000; }
    double ascentEm() const override { return 0.88; }
    double descentEm() const override { return 0.12; }
};
