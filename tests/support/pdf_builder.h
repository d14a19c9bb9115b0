// Small PDFs written object by object, for tests that need broken or hostile
// files (issue 21: attachments must not crash the server). Nothing here is a
// PDF writer for the service; the files are built in the test so no binary
// fixture is committed. Test-only code.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace testing_support {

// Objects are numbered from 1 in the order they are added. build() writes the
// header, the objects, a cross-reference table with their true offsets and
// the trailer; buildWithXrefStream() writes a PDF 1.5 xref stream instead.
class PdfBuilder {
public:
    // Adds "N 0 obj\n<body>\nendobj" and returns N. body may end in a stream.
    int add(const std::string& body);
    // Adds a stream object: dictEntries go inside << >> after /Length.
    int addStream(const std::string& dictEntries, const std::string& data);
    // A number for an object that is not written on its own (it sits in an
    // object stream, or the xref points at it somewhere else).
    int reserve();

    // The file with a classic xref table. offsets replaces the xref offset of
    // the given objects (a reserved number gets an in-use entry this way).
    std::string build(const std::string& trailerEntries = "/Root 1 0 R",
                      const std::map<int, long>& offsets = {}) const;
    // The file with an xref stream; inObjectStream maps an object number to
    // (object stream number, index in that stream).
    std::string buildWithXrefStream(const std::string& trailerEntries,
                                    const std::map<int, std::pair<int, int>>& inObjectStream) const;

private:
    // Header and objects; offsets[n] is where object n starts (0 when reserved).
    std::string body(std::vector<long>& offsets) const;
    std::vector<std::string> objects_;  // "" for a reserved number
};

// Catalog 1, page tree 2 with one page 3 that carries `pageEntries`.
PdfBuilder onePage(const std::string& pageEntries);

// A zlib (/FlateDecode) stream of data.
std::string flate(const std::string& data);

// The body of an object stream holding the given objects ("5 0 " + ...), with
// /N and /First entries to put in its dictionary.
struct ObjectStreamBody {
    std::string dictEntries;  // "/Type/ObjStm/N 1/First 4"
    std::string data;
};
ObjectStreamBody objectStream(const std::vector<std::pair<int, std::string>>& objects);

// A readable PDF with `pages` empty A4 pages.
std::string simplePdf(int pages = 1);

// A file that must be refused, with the stable error code expected for it.
struct HostilePdf {
    std::string name;  // sent as the attachment name, e.g. "kids-reference.pdf"
    std::string code;  // invalid_pdf, pdf_too_complex, ...
    std::string bytes;
};

// Hostile and broken PDFs that fit in a 1 MiB request: a /Kids reference
// instead of an array, deep arrays and dictionaries (also inside an object
// stream and where only the xref points), page-tree cycles, truncated files,
// a stream whose /Length runs past the end, an object stream that inflates
// beyond the limit, too many pages, and files that are not PDFs at all.
std::vector<HostilePdf> hostilePdfs();

}  // namespace testing_support
