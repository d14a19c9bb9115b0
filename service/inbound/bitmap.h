// A page image as scanned or rasterized: 8-bit gray, 0 black, 255 white, row
// by row, with its resolution (a standard fax is 204 dpi across and 98 dpi
// down). Plain data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inbound {

struct Bitmap {
    int width = 0;
    int height = 0;
    double xDpi = 204;
    double yDpi = 196;
    std::vector<std::uint8_t> pixels;  // width * height

    std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

// Limits on a received file, so a hostile one cannot take the memory or the
// time of the service (inbound.* settings).
struct RasterLimits {
    int maxPages = 50;
    long long maxPixelsPerPage = 20'000'000;  // A4 at 408x392 dpi is 15.5 million
    // All pages of a file together (each kept as 8-bit gray while it is
    // matched): fifty A4 pages at fine resolution are 200 million.
    long long maxTotalPixels = 250'000'000;
    double maxPageSideMm = 500;
};

}  // namespace inbound
