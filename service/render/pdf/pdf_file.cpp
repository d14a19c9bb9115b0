#include "render/pdf/pdf_file.h"

#include <podofo/podofo.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "render/pdf/deflate.h"

namespace render {

using namespace PoDoFo;

PdfObject pdfInteger(long long value) { return PdfObject(static_cast<pdf_int64>(value)); }

PdfObject* addFlateStream(PdfVecObjects& objects, std::string_view data, int level) {
    return addDeflatedStream(objects, deflate(data, level));
}

PdfObject* addDeflatedStream(PdfVecObjects& objects, std::string_view compressed) {
    PdfObject* object = objects.CreateObject();
    // SetRawData stores the bytes as given: PoDoFo's own Flate filter has a
    // fixed level, and we compress fonts at a faster one.
    PdfMemoryInputStream input(compressed.data(), static_cast<pdf_long>(compressed.size()));
    object->GetStream()->SetRawData(&input, static_cast<pdf_long>(compressed.size()));
    object->GetDictionary().AddKey(PdfName::KeyFilter, PdfName("FlateDecode"));
    return object;
}

namespace {

void appendXref(std::string& out, const std::vector<std::size_t>& offsets) {
    out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
    char entry[24];
    for (std::size_t offset : offsets) {
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
        out += entry;
    }
}

void appendTrailer(std::string& out, std::size_t size, const PdfObject& catalog, const PdfObject& info,
                   const std::string& idHex, std::size_t xrefOffset) {
    out += "trailer\n<</Size " + std::to_string(size) + " /Root " + catalog.Reference().ToString() +
           " /Info " + info.Reference().ToString() + " /ID [<" + idHex + "> <" + idHex + ">]>>\n";
    out += "startxref\n" + std::to_string(xrefOffset) + "\n%%EOF\n";
}

}  // namespace

std::string writePdfFile(const PdfVecObjects& objects, const PdfObject& catalog, const PdfObject& info,
                         const std::string& documentIdHex) {
    std::ostringstream body;
    PdfOutputDevice device(&body);
    // The second line marks the file as binary for transfer tools.
    device.Print("%%PDF-1.7\n%%\xE2\xE3\xCF\xD3\n");
    std::vector<std::size_t> offsets;
    offsets.reserve(objects.GetSize());
    for (const PdfObject* object : objects) {
        if (object->Reference().ObjectNumber() != offsets.size() + 1) {
            // Not PODOFO_RAISE_ERROR_INFO: it records __FILE__, which would put the
            // build machine's path into the binary (the package test refuses that).
            throw PdfError(ePdfError_InternalLogic, "pdf_file.cpp", __LINE__, "objects are not numbered 1..n");
        }
        offsets.push_back(device.Tell());
        object->WriteObject(&device, ePdfWriteMode_Compact, nullptr);
    }
    device.Flush();
    std::string out = body.str();
    std::size_t xrefOffset = out.size();
    appendXref(out, offsets);
    appendTrailer(out, offsets.size() + 1, catalog, info, documentIdHex, xrefOffset);
    return out;
}

}  // namespace render
