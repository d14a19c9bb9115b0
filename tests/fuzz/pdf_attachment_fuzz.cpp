// Fuzz target: a PDF attachment from outside (issue 21) through the checks
// made before PoDoFo parses it and PoDoFo's parse (inspectAttachment). An
// accepted file must then append to a job's sheets (appendPdfs) and the
// frozen copy must count the pages of both (pdfPageCount), as the job
// pipeline relies on once the job is stored.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pdf_builder.h"
#include "render/pdf_inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string sheets = testing_support::simplePdf(2);  // stands in for the rendered sheets
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    auto pages = render::inspectAttachment("fuzz.pdf", bytes, 60);
    if (!pages) return 0;
    auto joined = render::appendPdfs(sheets, {bytes});
    if (!joined) {
        std::fprintf(stderr, "accepted attachment (%d pages) does not append: %s\n", pages.value(),
                     joined.status().message().c_str());
        std::abort();
    }
    auto total = render::pdfPageCount(joined.value());
    if (!total || total.value() != 2 + pages.value()) {
        std::fprintf(stderr, "appended copy counts %s pages, expected %d\n",
                     total ? std::to_string(total.value()).c_str() : total.status().message().c_str(),
                     2 + pages.value());
        std::abort();
    }
    return 0;
}
