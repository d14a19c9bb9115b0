// The PDF file structure around PoDoFo objects: flate streams, and the
// header / xref table / trailer written by us so that the trailer /ID is the
// job's document id (PoDoFo 0.9's PdfWriter always derives /ID from an MD5 of
// the info dictionary). Internal to render/; functions throw PoDoFo::PdfError.
#pragma once

#include <string>
#include <string_view>

namespace PoDoFo {
class PdfObject;
class PdfVecObjects;
}  // namespace PoDoFo

namespace render {

// An integer object. Use it instead of a cast: static_cast<pdf_int64>(0) is
// taken for a null PdfObject* by PdfDictionary::AddKey and crashes PoDoFo.
PoDoFo::PdfObject pdfInteger(long long value);

// Adds an indirect stream object holding data compressed with /FlateDecode
// at the given zlib level.
PoDoFo::PdfObject* addFlateStream(PoDoFo::PdfVecObjects& objects, std::string_view data, int level);

// Adds an indirect /FlateDecode stream object whose data is already a zlib
// stream (see deflate.h), stored as given.
PoDoFo::PdfObject* addDeflatedStream(PoDoFo::PdfVecObjects& objects, std::string_view compressed);

// Serialises every object in objects (numbered 1..n in creation order) as a
// complete PDF. documentIdHex (32 hex digits) becomes both halves of /ID.
std::string writePdfFile(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject& catalog,
                         const PoDoFo::PdfObject& info, const std::string& documentIdHex);

}  // namespace render
