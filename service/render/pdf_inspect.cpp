#include "render/pdf_inspect.h"

#include <podofo/podofo.h>

namespace render {
namespace {

// PoDoFo prints debug notes ("Fixing references ...") and whole trailers to
// stdout while loading and appending; they would flood the server log.
void quietPoDoFo() {
    static const bool done = [] {
        PoDoFo::PdfError::EnableDebug(false);
        PoDoFo::PdfError::EnableLogging(false);
        return true;
    }();
    (void)done;
}

// "PoDoFo error 22 ePdfError_InvalidDataType". PdfError::ErrorMessage() and
// ErrorName() return NULL for codes PoDoFo 0.9.8 has no text for (InvalidXRef,
// InvalidDataType, InvalidKey, ...), and appending NULL to a std::string
// crashed the server (issue 21).
std::string pdfErrorText(const PoDoFo::PdfError& e) {
    const PoDoFo::EPdfError code = e.GetError();
    std::string text = "PoDoFo error " + std::to_string(static_cast<int>(code));
    if (const char* name = PoDoFo::PdfError::ErrorName(code)) text += std::string(" ") + name;
    if (const char* message = PoDoFo::PdfError::ErrorMessage(code)) text += std::string(": ") + message;
    return text;
}

}  // namespace

common::Result<int> pdfPageCount(const std::string& pdfBytes) {
    quietPoDoFo();
    try {
        PoDoFo::PdfMemDocument doc;
        doc.LoadFromBuffer(pdfBytes.data(), static_cast<long>(pdfBytes.size()));
        if (doc.GetEncrypted()) return common::Status::invalidArgument("encrypted PDF");
        return doc.GetPageCount();
    } catch (const PoDoFo::PdfError& e) {
        return common::Status::invalidArgument("not a readable PDF: " + pdfErrorText(e));
    } catch (const std::exception& e) {
        return common::Status::invalidArgument(std::string("not a readable PDF: ") + e.what());
    } catch (...) {
        return common::Status::invalidArgument("not a readable PDF: unknown exception");
    }
}

common::Result<std::string> appendPdfs(const std::string& base, const std::vector<std::string>& extras) {
    if (extras.empty()) return base;
    quietPoDoFo();
    size_t current = 0;
    try {
        PoDoFo::PdfMemDocument doc;
        doc.LoadFromBuffer(base.data(), static_cast<long>(base.size()));
        for (; current < extras.size(); ++current) {
            PoDoFo::PdfMemDocument extra;
            extra.LoadFromBuffer(extras[current].data(), static_cast<long>(extras[current].size()));
            doc.Append(extra);
        }
        PoDoFo::PdfRefCountedBuffer buffer;
        PoDoFo::PdfOutputDevice device(&buffer);
        doc.Write(&device);
        return std::string(buffer.GetBuffer(), device.GetLength());
    } catch (const PoDoFo::PdfError& e) {
        return common::Status::invalidArgument("attachment " + std::to_string(current + 1) + " cannot be appended: " +
                                               pdfErrorText(e));
    } catch (const std::exception& e) {
        return common::Status::invalidArgument("attachment " + std::to_string(current + 1) + " cannot be appended: " +
                                               e.what());
    } catch (...) {
        return common::Status::invalidArgument("attachment " + std::to_string(current + 1) +
                                               " cannot be appended: unknown exception");
    }
}

}  // namespace render
