#include "inbound/code_reader.h"

#include <zbar.h>

#include <algorithm>
#include <cmath>

namespace inbound {
namespace {

constexpr int kThreshold = 128;
// The strip of the page where the codes are looked for first: the codes end
// about 23 mm from the left edge; the rest leaves room for a skewed or
// shifted page.
constexpr double kLeftBandMm = 70;

std::vector<reply::PageCode> scan(const Bitmap& b) {
    zbar::ImageScanner scanner;
    scanner.set_config(zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
    scanner.set_config(zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
    zbar::Image image(static_cast<unsigned>(b.width), static_cast<unsigned>(b.height), "Y800", b.pixels.data(),
                      static_cast<unsigned long>(b.pixels.size()));
    std::vector<reply::PageCode> found;
    if (scanner.scan(image) <= 0) return found;
    for (auto s = image.symbol_begin(); s != image.symbol_end(); ++s) {
        if (s->get_type() != zbar::ZBAR_QRCODE) continue;
        auto code = reply::decodePageCode(s->get_data());
        if (code && std::find(found.begin(), found.end(), *code) == found.end()) found.push_back(*code);
    }
    image.set_data(nullptr, 0);  // the pixels belong to b
    return found;
}

// A 3x3 filter on a black-and-white image: a pixel turns black when at least
// `need` of its 9 neighbours (itself included) are. need 5: the median (takes
// speckle off); 3: black grows (modules thinned by the line come back);
// 7: black shrinks (modules run together come apart).
Bitmap filter3(const Bitmap& b, int need) {
    Bitmap out = b;
    for (int y = 1; y + 1 < b.height; ++y) {
        for (int x = 1; x + 1 < b.width; ++x) {
            int black = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) black += b.at(x + dx, y + dy) == 0;
            out.pixels[static_cast<size_t>(y) * b.width + x] = black >= need ? 0 : 255;
        }
    }
    return out;
}

// The first `columns` columns of b.
Bitmap leftColumns(const Bitmap& b, int columns) {
    Bitmap out;
    out.width = columns;
    out.height = b.height;
    out.xDpi = b.xDpi;
    out.yDpi = b.yDpi;
    out.pixels.resize(static_cast<size_t>(columns) * b.height);
    for (int y = 0; y < b.height; ++y)
        std::copy_n(b.pixels.begin() + static_cast<long>(y) * b.width, columns,
                    out.pixels.begin() + static_cast<long>(y) * columns);
    return out;
}

// The codes zbar reads in b, or, when it reads none, in a cleaned-up copy.
// (zbar's QR finder draws random numbers, but from a fixed seed per scanner,
// so a second look at the same image finds the same.)
std::vector<reply::PageCode> scanCleaned(const Bitmap& b) {
    auto found = scan(b);
    for (int need : {5, 3, 7}) {
        if (!found.empty()) break;
        found = scan(filter3(b, need));
    }
    return found;
}

}  // namespace

Bitmap squareAndBinarize(const Bitmap& page) {
    Bitmap out;
    const double dpi = std::max(page.xDpi, page.yDpi);
    const double sx = dpi / page.xDpi, sy = dpi / page.yDpi;
    out.width = std::max(1, static_cast<int>(std::lround(page.width * sx)));
    out.height = std::max(1, static_cast<int>(std::lround(page.height * sy)));
    out.xDpi = out.yDpi = dpi;
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    std::vector<int> column(out.width);
    for (int x = 0; x < out.width; ++x) column[x] = std::min(page.width - 1, static_cast<int>(x / sx));
    for (int y = 0; y < out.height; ++y) {
        const int from = std::min(page.height - 1, static_cast<int>(y / sy));
        const std::uint8_t* row = page.pixels.data() + static_cast<size_t>(from) * page.width;
        std::uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * out.width;
        for (int x = 0; x < out.width; ++x) dst[x] = row[column[x]] < kThreshold ? 0 : 255;
    }
    return out;
}

std::vector<reply::PageCode> readCodes(const Bitmap& page) {
    if (page.width < 1 || page.height < 1 || page.pixels.size() != static_cast<size_t>(page.width) * page.height)
        return {};
    const Bitmap square = squareAndBinarize(page);
    // The codes sit in the strip along the left edge (layout/reply_codes.h):
    // look there first, which is a third of the work, then at the whole page
    // (a page fed in upside down, or a half laid far across the glass).
    const int band = static_cast<int>(kLeftBandMm / 25.4 * square.xDpi);
    if (band < square.width) {
        auto found = scanCleaned(leftColumns(square, band));
        if (!found.empty()) return found;
    }
    return scanCleaned(square);
}

}  // namespace inbound
