// ContentStream: writes the operators of one PDF page (black lines and glyph
// runs) as text, with coordinates in points from the bottom-left corner.
// Only stroke, text and black fill operators are ever written: the output is
// black on white by construction (no colour or gray operators). Internal to
// render/; one instance per page, not shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace render {

class ContentStream {
public:
    // A straight line widthPt thick; dashed lines use a 3 pt dash, 2 pt gap.
    void line(double x1, double y1, double x2, double y2, double widthPt, bool dashed);

    // A filled black rectangle (the modules of a QR code), from its
    // bottom-left corner.
    void fillRect(double x, double y, double width, double height);

    // Saves the graphics state and scales what follows by `scale` about the
    // point (x, y), which stays where it is: "q s 0 0 s tx ty cm". Numbers are
    // written with 6 decimals, so a large page does not drift. endTransform()
    // restores the state; a stream that begins one must end it.
    void beginTransform(double scale, double x, double y);
    void endTransform();

    // Starts a line of text with its baseline origin at (x, y).
    void moveText(double x, double y);
    // Shows glyphs (2-byte CIDs of an Identity-H font, resource name such as
    // "F1") where the previous run of the line ended.
    void showGlyphs(const std::string& fontResource, double fontSizePt, const std::vector<std::uint16_t>& cids);
    // Moves the text position back (left) by thousandths/1000 of the current
    // font size, forward when negative: a TJ with only a number. Used to draw
    // a combining mark over the glyph before it. Call after showGlyphs.
    void moveBack(double thousandths);
    // Marks the glyphs shown until endActualText() as standing for `text`
    // (a /Span with /ActualText), for glyphs whose ToUnicode entries would
    // extract out of order: a base with a combining mark drawn over it.
    void beginActualText(const std::u32string& text);
    void endActualText();
    // Moves following glyphs up (positive) or down from the baseline (Ts).
    // Callers set it back to 0 when done, so no state leaks between runs.
    void setRise(double pt);

    // Closes any open text object and returns the operators.
    const std::string& finish();

private:
    void setStrokeStyle(double widthPt, bool dashed);
    void beginText();
    void endText();
    void number(double value);

    std::string out_;
    bool inText_ = false;
    std::string font_;
    double fontSizePt_ = -1;
    double risePt_ = 0;
    double lineWidthPt_ = -1;  // -1: not set yet on this page
    int lineCap_ = 0;          // PDF default: butt
    bool dashed_ = false;
};

// Appends value rounded to 0.01 with no trailing zeros ("12.5", "-3", "0.05").
// Locale-independent, unlike printf; non-finite values print as 0.
void appendPdfNumber(std::string& out, double value);

}  // namespace render
