// Fuzz target: a received fax file (issue 18) as InboundFaxes reads it from
// <spool>/fax/inbound/: a PDF rasterized with poppler (inbound::rasterizePdf),
// anything else read as a TIFF with libtiff (inbound::readTiff), each page's
// reply codes decoded with zbar (inbound::readCodes), and the pages written
// as the one-bit PDF the inbox keeps (inbound::pagesToPdf). Pages must keep
// to the limits they were read with. The limits, and the resolution a PDF is
// rasterized at, are smaller than the service's, so that the fuzzer runs
// many inputs a second (zbar and the filters take time in proportion to the
// pixels).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "inbound/code_reader.h"
#include "inbound/page_pdf.h"
#include "inbound/pdf_pages.h"
#include "inbound/tiff_pages.h"

namespace {

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "%s\n", why.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    inbound::RasterLimits limits;
    limits.maxPages = 4;
    limits.maxPixelsPerPage = 300'000;
    limits.maxTotalPixels = 600'000;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    auto pages = bytes.compare(0, 5, "%PDF-") == 0 ? inbound::rasterizePdf(bytes, 50, 50, limits)
                                                   : inbound::readTiff(bytes, limits);
    if (!pages) return 0;
    if (pages->empty() || pages->size() > static_cast<size_t>(limits.maxPages))
        fail("read " + std::to_string(pages->size()) + " pages");
    long long total = 0;
    for (const inbound::Bitmap& page : pages.value()) {
        const long long pixels = static_cast<long long>(page.width) * page.height;
        if (page.width < 1 || page.height < 1 || page.pixels.size() != static_cast<size_t>(pixels))
            fail("a page of " + std::to_string(page.width) + "x" + std::to_string(page.height) + " holds " +
                 std::to_string(page.pixels.size()) + " pixels");
        if (pixels > limits.maxPixelsPerPage) fail("a page past the pixel limit: " + std::to_string(pixels));
        total += pixels;
        (void)inbound::readCodes(page);
    }
    if (total > limits.maxTotalPixels) fail("pages past the total pixel limit: " + std::to_string(total));
    const std::string pdf = inbound::pagesToPdf(pages.value());
    if (pdf.compare(0, 5, "%PDF-") != 0) fail("the inbox copy is not a PDF");
    return 0;
}
