#include "fax_degrade.h"

#include "inbound/page_pdf.h"

#include <tiffio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "test_support.h"

namespace testing_support {

inbound::Bitmap faxPage(const inbound::Bitmap& source, const FaxLine& line, unsigned seed, FaxDraw* drawn) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    FaxDraw d;
    const double side = unit(rng) * 2 - 1;
    d.skewDeg = (side < 0 ? -1 : 1) * (line.minSkewDeg + std::abs(side) * (line.maxSkewDeg - line.minSkewDeg));
    d.stretch = 1 + (unit(rng) * 2 - 1) * line.maxStretch;
    d.droppedLines = static_cast<int>(unit(rng) * (line.maxDroppedLines + 1));
    if (drawn) *drawn = d;

    const double widthIn = source.width / source.xDpi, heightIn = source.height / source.yDpi;
    inbound::Bitmap out;
    out.xDpi = line.xDpi;
    out.yDpi = line.yDpi;
    out.width = static_cast<int>(std::lround(widthIn * line.xDpi));
    out.height = static_cast<int>(std::lround(heightIn * line.yDpi));
    out.pixels.assign(static_cast<size_t>(out.width) * out.height, 255);
    const double a = d.skewDeg * M_PI / 180, ca = std::cos(a), sa = std::sin(a);
    const double cx = widthIn / 2, cy = heightIn / 2;
    const double offset = (unit(rng) - 0.5) / line.xDpi;  // sub-pixel phase of the scanner
    // Each fax pixel sees its whole area: 3 x 3 samples, black when half are.
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
            int black = 0;
            for (int sy = 0; sy < 3; ++sy) {
                for (int sx = 0; sx < 3; ++sx) {
                    double u = ((x + (sx + 0.5) / 3) / line.xDpi) * d.stretch + offset - cx;
                    double v = (y + (sy + 0.5) / 3) / line.yDpi - cy;
                    double su = cx + u * ca - v * sa, sv = cy + u * sa + v * ca;
                    int px = static_cast<int>(su * source.xDpi), py = static_cast<int>(sv * source.yDpi);
                    if (px >= 0 && py >= 0 && px < source.width && py < source.height && source.at(px, py) < 128)
                        ++black;
                }
            }
            if (black >= 5) out.pixels[static_cast<size_t>(y) * out.width + x] = 0;
        }
    }
    for (auto& p : out.pixels)
        if (unit(rng) < line.speckle) p = static_cast<std::uint8_t>(255 - p);
    for (int i = 0; i < d.droppedLines && out.height > 2; ++i) {
        int row = static_cast<int>(unit(rng) * (out.height - 1));
        auto begin = out.pixels.begin() + static_cast<long>(row) * out.width;
        out.pixels.erase(begin, begin + out.width);
        --out.height;
    }
    return out;
}

inbound::Bitmap cutRows(const inbound::Bitmap& page, double fromMm, double toMm, double padMm) {
    int from = std::max(0, static_cast<int>(fromMm / 25.4 * page.yDpi));
    int to = std::min(page.height, static_cast<int>(toMm / 25.4 * page.yDpi));
    int pad = static_cast<int>(padMm / 25.4 * page.yDpi);
    if (to <= from) throw std::invalid_argument("cutRows: empty range");
    inbound::Bitmap out = page;
    std::fill(out.pixels.begin(), out.pixels.end(), 255);
    const int rows = std::min(to - from, page.height - pad);
    std::copy(page.pixels.begin() + static_cast<long>(from) * page.width,
              page.pixels.begin() + static_cast<long>(from + rows) * page.width,
              out.pixels.begin() + static_cast<long>(pad) * page.width);
    return out;
}

namespace {

// One row packed 1 bit a pixel, most significant bit first; bit set = `setIsBlack` ? black : white.
std::string packRow(const inbound::Bitmap& b, int y, bool setIsBlack) {
    std::string row((b.width + 7) / 8, '\0');
    for (int x = 0; x < b.width; ++x) {
        bool black = b.at(x, y) < 128;
        if (black == setIsBlack) row[x / 8] = static_cast<char>(row[x / 8] | (0x80 >> (x % 8)));
    }
    return row;
}

}  // namespace

std::string writeFaxTiff(const std::vector<inbound::Bitmap>& pages, TiffCompression compression) {
    char path[] = "/tmp/renkei-fax-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    TIFF* tif = TIFFOpen(path, "w");
    if (!tif) throw std::runtime_error("TIFFOpen failed");
    int n = 0;
    for (const auto& b : pages) {
        TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(b.width));
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(b.height));
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
        TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, compression == TiffCompression::G3 ? COMPRESSION_CCITTFAX3
                                                                                   : COMPRESSION_CCITTFAX4);
        if (compression == TiffCompression::G3) TIFFSetField(tif, TIFFTAG_GROUP3OPTIONS, GROUP3OPT_2DENCODING);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(b.height));
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, static_cast<float>(b.xDpi));
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, static_cast<float>(b.yDpi));
        TIFFSetField(tif, TIFFTAG_PAGENUMBER, static_cast<uint16_t>(n), static_cast<uint16_t>(pages.size()));
        for (int y = 0; y < b.height; ++y) {
            std::string row = packRow(b, y, true);  // MINISWHITE: a set bit is black
            if (TIFFWriteScanline(tif, row.data(), static_cast<uint32_t>(y), 0) < 0)
                throw std::runtime_error("TIFFWriteScanline failed");
        }
        TIFFWriteDirectory(tif);
        ++n;
    }
    TIFFClose(tif);
    std::string bytes = readFile(path);
    ::unlink(path);
    return bytes;
}

std::string writeFaxPdf(const std::vector<inbound::Bitmap>& pages) { return inbound::pagesToPdf(pages); }

}  // namespace testing_support
