#include "fax_degrade.h"

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

std::string writeFaxPdf(const std::vector<inbound::Bitmap>& pages) {
    std::string out = "%PDF-1.4\n";
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
        const auto& b = pages[i];
        const double w = b.width / b.xDpi * 72, h = b.height / b.yDpi * 72;
        const std::string size = std::to_string(w) + " " + std::to_string(h);
        const size_t page = 3 + 3 * i;
        object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + size + "] /Contents " + std::to_string(page + 1) +
               " 0 R /Resources << /XObject << /Im0 " + std::to_string(page + 2) + " 0 R >> >> >>");
        const std::string ops = "q " + std::to_string(w) + " 0 0 " + std::to_string(h) + " 0 0 cm /Im0 Do Q";
        object("<< /Length " + std::to_string(ops.size()) + " >>\nstream\n" + ops + "\nendstream");
        std::string raw;
        for (int y = 0; y < b.height; ++y) raw += packRow(b, y, false);  // DeviceGray 1 bit: a set bit is white
        uLongf len = compressBound(raw.size());
        std::string packed(len, '\0');
        compress2(reinterpret_cast<Bytef*>(&packed[0]), &len, reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 6);
        packed.resize(len);
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

}  // namespace testing_support
