#include "render/pdf/content_stream.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace render {

namespace {

// Square caps close the corners where a cell's four separately stroked edges
// meet; dashes keep butt caps so the dash pattern stays as specified.
constexpr int kButtCap = 0;
constexpr int kSquareCap = 2;

void appendHex4(std::string& out, std::uint16_t value) {
    static const char kDigits[] = "0123456789ABCDEF";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xF]);
}

}  // namespace

void appendPdfNumber(std::string& out, double value) {
    if (!std::isfinite(value)) value = 0;
    long long hundredths = std::llround(value * 100);
    if (hundredths < 0) {
        out.push_back('-');
        hundredths = -hundredths;
    }
    out.append(std::to_string(hundredths / 100));
    long long fraction = hundredths % 100;
    if (fraction == 0) return;
    out.push_back('.');
    out.push_back(static_cast<char>('0' + fraction / 10));
    if (fraction % 10 != 0) out.push_back(static_cast<char>('0' + fraction % 10));
}

void ContentStream::fillRect(double x, double y, double width, double height) {
    endText();
    number(x);
    number(y);
    number(width);
    number(height);
    out_.append("re f\n");
}

void ContentStream::beginTransform(double scale, double x, double y) {
    endText();
    auto precise = [this](double v) {
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, std::isfinite(v) ? v : 0.0, std::chars_format::fixed, 6);
        out_.append(buf, r.ptr);
        out_.push_back(' ');
    };
    out_.append("q ");
    precise(scale);
    out_.append("0 0 ");
    precise(scale);
    precise((1 - scale) * x);
    precise((1 - scale) * y);
    out_.append("cm\n");
}

void ContentStream::endTransform() {
    endText();
    out_.append("Q\n");
}

void ContentStream::number(double value) {
    appendPdfNumber(out_, value);
    out_.push_back(' ');
}

void ContentStream::setStrokeStyle(double widthPt, bool dashed) {
    if (widthPt != lineWidthPt_) {
        number(widthPt);
        out_.append("w\n");
        lineWidthPt_ = widthPt;
    }
    if (dashed != dashed_) {
        out_.append(dashed ? "[3 2] 0 d\n" : "[] 0 d\n");
        dashed_ = dashed;
    }
    int cap = dashed ? kButtCap : kSquareCap;
    if (cap != lineCap_) {
        out_.append(std::to_string(cap)).append(" J\n");
        lineCap_ = cap;
    }
}

void ContentStream::line(double x1, double y1, double x2, double y2, double widthPt, bool dashed) {
    endText();  // path operators are not allowed inside BT/ET
    setStrokeStyle(widthPt, dashed);
    number(x1);
    number(y1);
    out_.append("m ");
    number(x2);
    number(y2);
    out_.append("l S\n");
}

void ContentStream::beginText() {
    if (inText_) return;
    out_.append("BT\n");
    inText_ = true;
}

void ContentStream::endText() {
    if (!inText_) return;
    out_.append("ET\n");
    inText_ = false;
}

void ContentStream::moveText(double x, double y) {
    beginText();
    out_.append("1 0 0 1 ");
    number(x);
    number(y);
    out_.append("Tm\n");
}

void ContentStream::setRise(double pt) {
    if (pt == risePt_) return;
    beginText();
    number(pt);
    out_.append("Ts\n");
    risePt_ = pt;
}

void ContentStream::showGlyphs(const std::string& fontResource, double fontSizePt,
                               const std::vector<std::uint16_t>& cids) {
    if (cids.empty()) return;
    beginText();
    if (fontResource != font_ || fontSizePt != fontSizePt_) {
        out_.append("/").append(fontResource).append(" ");
        number(fontSizePt);
        out_.append("Tf\n");
        font_ = fontResource;
        fontSizePt_ = fontSizePt;
    }
    out_.push_back('<');
    for (std::uint16_t cid : cids) appendHex4(out_, cid);
    out_.append("> Tj\n");
}

void ContentStream::moveBack(double thousandths) {
    if (thousandths == 0) return;
    if (font_.empty()) throw std::logic_error("ContentStream::moveBack before any font was set");
    out_.push_back('[');
    appendPdfNumber(out_, thousandths);
    out_.append("] TJ\n");
}

void ContentStream::beginActualText(const std::u32string& text) {
    beginText();
    // A PDF text string in hex: UTF-16BE after a byte order mark.
    out_.append("/Span <</ActualText <FEFF");
    for (char32_t cp : text) {
        if (cp < 0x10000) {
            appendHex4(out_, static_cast<std::uint16_t>(cp));
        } else {
            appendHex4(out_, static_cast<std::uint16_t>(0xD800 + ((cp - 0x10000) >> 10)));
            appendHex4(out_, static_cast<std::uint16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        }
    }
    out_.append(">>> BDC\n");
}

void ContentStream::endActualText() { out_.append("EMC\n"); }

const std::string& ContentStream::finish() {
    endText();
    return out_;
}

}  // namespace render
