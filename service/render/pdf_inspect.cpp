#include "render/pdf_inspect.h"

#include <podofo/podofo.h>

namespace render {

common::Result<int> pdfPageCount(const std::string& pdfBytes) {
    try {
        PoDoFo::PdfMemDocument doc;
        doc.LoadFromBuffer(pdfBytes.data(), static_cast<long>(pdfBytes.size()));
        return doc.GetPageCount();
    } catch (const PoDoFo::PdfError& e) {
        return common::Status::invalidArgument(std::string("not a readable PDF: ") +
                                               PoDoFo::PdfError::ErrorMessage(e.GetError()));
    }
}

}  // namespace render
