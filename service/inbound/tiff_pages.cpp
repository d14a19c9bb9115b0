#include "inbound/tiff_pages.h"

#include <tiffio.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace inbound {
namespace {

using common::Status;

struct Source {
    const std::string& bytes;
    toff_t offset = 0;
};

tmsize_t readProc(thandle_t h, void* buf, tmsize_t size) {
    auto* s = static_cast<Source*>(h);
    if (size < 0 || s->offset >= s->bytes.size()) return 0;
    tmsize_t n = static_cast<tmsize_t>(std::min<toff_t>(static_cast<toff_t>(size), s->bytes.size() - s->offset));
    std::memcpy(buf, s->bytes.data() + s->offset, static_cast<size_t>(n));
    s->offset += static_cast<toff_t>(n);
    return n;
}
tmsize_t writeProc(thandle_t, void*, tmsize_t) { return -1; }
toff_t seekProc(thandle_t h, toff_t off, int whence) {
    auto* s = static_cast<Source*>(h);
    toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->offset : s->bytes.size();
    s->offset = base + off;
    return s->offset;
}
int closeProc(thandle_t) { return 0; }
toff_t sizeProc(thandle_t h) { return static_cast<Source*>(h)->bytes.size(); }
int mapProc(thandle_t, void**, toff_t*) { return 0; }
void unmapProc(thandle_t, void*, toff_t) {}

std::string pageName(int page) { return "page " + std::to_string(page) + " of the TIFF"; }

}  // namespace

common::Result<std::vector<Bitmap>> readTiff(const std::string& bytes, const RasterLimits& limits) {
    static std::once_flag silenced;
    std::call_once(silenced, [] {
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
    });
    if (bytes.size() < 8 || !(bytes.compare(0, 4, "II*\0", 4) == 0 || bytes.compare(0, 4, "MM\0*", 4) == 0))
        return Status::invalidArgument("not a TIFF file");
    Source source{bytes};
    std::unique_ptr<TIFF, void (*)(TIFF*)> tif(
        TIFFClientOpen("received", "rm", &source, readProc, writeProc, seekProc, closeProc, sizeProc, mapProc,
                       unmapProc),
        TIFFClose);
    if (!tif) return Status::invalidArgument("the TIFF cannot be read");
    std::vector<Bitmap> out;
    long long total = 0;
    int page = 0;
    do {
        ++page;
        if (page > limits.maxPages)
            return Status::invalidArgument("the TIFF has more than " + std::to_string(limits.maxPages) + " pages");
        uint32_t w = 0, h = 0;
        if (!TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h) ||
            w == 0 || h == 0)
            return Status::invalidArgument(pageName(page) + " has no size");
        if (static_cast<double>(w) * h > static_cast<double>(limits.maxPixelsPerPage))
            return Status::invalidArgument(pageName(page) + " has too many pixels");
        total += static_cast<long long>(w) * h;
        if (total > limits.maxTotalPixels)
            return Status::invalidArgument("the TIFF's pages together have too many pixels");
        float xres = 0, yres = 0;
        uint16_t unit = RESUNIT_INCH;
        TIFFGetFieldDefaulted(tif.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
        const bool hasRes = TIFFGetField(tif.get(), TIFFTAG_XRESOLUTION, &xres) &&
                            TIFFGetField(tif.get(), TIFFTAG_YRESOLUTION, &yres) && xres > 0 && yres > 0;
        Bitmap b;
        b.width = static_cast<int>(w);
        b.height = static_cast<int>(h);
        if (hasRes) {
            const double f = unit == RESUNIT_CENTIMETER ? 2.54 : 1.0;
            b.xDpi = xres * f;
            b.yDpi = yres * f;
        } else {
            b.xDpi = 204;
            b.yDpi = w > h ? 98 : 196;
        }
        if (!(b.xDpi >= 50 && b.xDpi <= 1200 && b.yDpi >= 50 && b.yDpi <= 1200))
            return Status::invalidArgument(pageName(page) + " has a resolution out of range");
        if (w / b.xDpi * 25.4 > limits.maxPageSideMm || h / b.yDpi * 25.4 > limits.maxPageSideMm)
            return Status::invalidArgument(pageName(page) + " is too large");
        std::vector<uint32_t> rgba(static_cast<size_t>(w) * h);
        if (!TIFFReadRGBAImageOriented(tif.get(), w, h, rgba.data(), ORIENTATION_TOPLEFT, 0))
            return Status::invalidArgument(pageName(page) + " cannot be decoded");
        b.pixels.resize(rgba.size());
        for (size_t i = 0; i < rgba.size(); ++i) {
            const uint32_t p = rgba[i];
            b.pixels[i] = static_cast<std::uint8_t>((TIFFGetR(p) * 30 + TIFFGetG(p) * 59 + TIFFGetB(p) * 11) / 100);
        }
        out.push_back(std::move(b));
    } while (TIFFReadDirectory(tif.get()));
    return out;
}

}  // namespace inbound
