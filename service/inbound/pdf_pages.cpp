#include "inbound/pdf_pages.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <memory>
#include <mutex>

namespace inbound {
namespace {

using common::Status;

constexpr double kPtPerMm = 72.0 / 25.4;

void quiet(const std::string&, void*) {}

}  // namespace

common::Result<std::vector<Bitmap>> rasterizePdf(const std::string& bytes, double xDpi, double yDpi,
                                                 const RasterLimits& limits) {
    static std::once_flag silenced;
    std::call_once(silenced, [] { poppler::set_debug_error_function(quiet, nullptr); });
    if (bytes.size() < 8 || bytes.compare(0, 5, "%PDF-") != 0) return Status::invalidArgument("not a PDF file");
    std::unique_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!doc) return Status::invalidArgument("the PDF cannot be read");
    if (doc->is_locked()) return Status::invalidArgument("the PDF is encrypted");
    const int pages = doc->pages();
    if (pages < 1) return Status::invalidArgument("the PDF has no pages");
    if (pages > limits.maxPages)
        return Status::invalidArgument("the PDF has " + std::to_string(pages) + " pages, more than " +
                                       std::to_string(limits.maxPages));
    poppler::page_renderer renderer;
    renderer.set_render_hints(0);
    renderer.set_image_format(poppler::image::format_gray8);
    std::vector<Bitmap> out;
    double total = 0;
    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) return Status::invalidArgument("page " + std::to_string(i + 1) + " of the PDF cannot be read");
        poppler::rectf box = page->page_rect();
        const double wMm = box.width() / kPtPerMm, hMm = box.height() / kPtPerMm;
        if (!(wMm > 1 && hMm > 1) || wMm > limits.maxPageSideMm || hMm > limits.maxPageSideMm)
            return Status::invalidArgument("page " + std::to_string(i + 1) + " of the PDF has a size out of range");
        const double pixels = (wMm / 25.4 * xDpi) * (hMm / 25.4 * yDpi);
        if (pixels > static_cast<double>(limits.maxPixelsPerPage))
            return Status::invalidArgument("page " + std::to_string(i + 1) + " of the PDF has too many pixels");
        total += pixels;
        if (total > static_cast<double>(limits.maxTotalPixels))
            return Status::invalidArgument("the PDF's pages together have too many pixels");
        poppler::image image = renderer.render_page(page.get(), xDpi, yDpi);
        if (!image.is_valid() || image.format() != poppler::image::format_gray8)
            return Status::invalidArgument("page " + std::to_string(i + 1) + " of the PDF cannot be rasterized");
        Bitmap b;
        b.width = image.width();
        b.height = image.height();
        b.xDpi = xDpi;
        b.yDpi = yDpi;
        b.pixels.resize(static_cast<size_t>(b.width) * b.height);
        const char* data = image.const_data();
        for (int y = 0; y < b.height; ++y) {
            const auto* row = reinterpret_cast<const std::uint8_t*>(data + static_cast<size_t>(y) * image.bytes_per_row());
            std::copy(row, row + b.width, b.pixels.begin() + static_cast<size_t>(y) * b.width);
        }
        out.push_back(std::move(b));
    }
    return out;
}

}  // namespace inbound
