#include "inbound/page_pdf.h"

#include <zlib.h>

#include <cstdio>
#include <stdexcept>

namespace inbound {
namespace {

// A row packed 8 pixels a byte, most significant first; a set bit is white
// (DeviceGray, 1 bit per component).
std::string packRow(const Bitmap& b, int y) {
    std::string row((b.width + 7) / 8, '\0');
    for (int x = 0; x < b.width; ++x)
        if (b.at(x, y) >= 128) row[x / 8] = static_cast<char>(row[x / 8] | (0x80 >> (x % 8)));
    return row;
}

std::string deflate(const std::string& raw) {
    uLongf len = compressBound(raw.size());
    std::string packed(len, '\0');
    if (compress2(reinterpret_cast<Bytef*>(&packed[0]), &len, reinterpret_cast<const Bytef*>(raw.data()), raw.size(),
                  6) != Z_OK)
        throw std::runtime_error("zlib compress2 failed");
    packed.resize(len);
    return packed;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

}  // namespace

std::string pagesToPdf(const std::vector<Bitmap>& pages) {
    if (pages.empty()) throw std::logic_error("pagesToPdf: no pages");
    std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    std::vector<size_t> offsets;
    auto object = [&](const std::string& body) {
        offsets.push_back(out.size());
        out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
    };
    const size_t n = pages.size();
    // 1 catalog, 2 pages, then per page: page, contents, image.
    object("<< /Type /Catalog /Pages 2 0 R >>");
    std::string kids;
    for (size_t i = 0; i < n; ++i) kids += std::to_string(3 + 3 * i) + " 0 R ";
    object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
    for (size_t i = 0; i < n; ++i) {
        const Bitmap& b = pages[i];
        if (b.width < 1 || b.height < 1 || b.pixels.size() != static_cast<size_t>(b.width) * b.height ||
            !(b.xDpi > 0) || !(b.yDpi > 0))
            throw std::logic_error("pagesToPdf: an empty or malformed page");
        const double w = b.width / b.xDpi * 72, h = b.height / b.yDpi * 72;
        const size_t page = 3 + 3 * i;
        object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + number(w) + " " + number(h) + "] /Contents " +
               std::to_string(page + 1) + " 0 R /Resources << /XObject << /Im0 " + std::to_string(page + 2) +
               " 0 R >> >> >>");
        const std::string ops = "q " + number(w) + " 0 0 " + number(h) + " 0 0 cm /Im0 Do Q";
        object("<< /Length " + std::to_string(ops.size()) + " >>\nstream\n" + ops + "\nendstream");
        std::string raw;
        raw.reserve(static_cast<size_t>((b.width + 7) / 8) * b.height);
        for (int y = 0; y < b.height; ++y) raw += packRow(b, y);
        const std::string packed = deflate(raw);
        object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(b.width) + " /Height " +
               std::to_string(b.height) + " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /Length " +
               std::to_string(packed.size()) + " >>\nstream\n" + packed + "\nendstream");
    }
    const size_t xref = out.size();
    out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

}  // namespace inbound
