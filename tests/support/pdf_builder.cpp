#include "pdf_builder.h"

#include <Poco/DeflatingStream.h>

#include <cstdio>
#include <sstream>

namespace testing_support {
namespace {

std::string repeat(const std::string& s, int times) {
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(times));
    for (int i = 0; i < times; ++i) out += s;
    return out;
}

std::string xrefLine(long offset, int generation, char kind) {
    char line[24];
    std::snprintf(line, sizeof line, "%010ld %05d %c \n", offset, generation, kind);
    return line;
}

// A dictionary value nested `depth` deep: <</A<</A ... 1 ... >>>>.
std::string nestedDictionaries(int depth) { return repeat("<</A", depth) + " 1 " + repeat(">>", depth); }

}  // namespace

PdfBuilder onePage(const std::string& pageEntries) {
    PdfBuilder b;
    b.add("<</Type/Catalog/Pages 2 0 R>>");
    b.add("<</Type/Pages/Kids[3 0 R]/Count 1>>");
    b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]" + pageEntries + ">>");
    return b;
}

int PdfBuilder::add(const std::string& body) {
    objects_.push_back(body);
    return static_cast<int>(objects_.size());
}

int PdfBuilder::addStream(const std::string& dictEntries, const std::string& data) {
    return add("<</Length " + std::to_string(data.size()) + dictEntries + ">>\nstream\n" + data + "\nendstream");
}

int PdfBuilder::reserve() { return add(""); }

std::string PdfBuilder::body(std::vector<long>& offsets) const {
    std::string out = "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n";
    offsets.assign(objects_.size() + 1, 0);
    for (size_t i = 0; i < objects_.size(); ++i) {
        if (objects_[i].empty()) continue;
        offsets[i + 1] = static_cast<long>(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects_[i] + "\nendobj\n";
    }
    return out;
}

std::string PdfBuilder::build(const std::string& trailerEntries, const std::map<int, long>& offsets) const {
    std::vector<long> at;
    std::string out = body(at);
    const long xref = static_cast<long>(out.size());
    out += "xref\n0 " + std::to_string(objects_.size() + 1) + "\n" + xrefLine(0, 65535, 'f');
    for (size_t n = 1; n <= objects_.size(); ++n) {
        auto given = offsets.find(static_cast<int>(n));
        long offset = given != offsets.end() ? given->second : at[n];
        out += offset ? xrefLine(offset, 0, 'n') : xrefLine(0, 0, 'f');
    }
    out += "trailer\n<</Size " + std::to_string(objects_.size() + 1) + trailerEntries + ">>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

std::string PdfBuilder::buildWithXrefStream(const std::string& trailerEntries,
                                            const std::map<int, std::pair<int, int>>& inObjectStream) const {
    std::vector<long> at;
    std::string out = body(at);
    const int self = static_cast<int>(objects_.size()) + 1;
    const long xref = static_cast<long>(out.size());
    // /W [1 4 2]: type, offset or object stream number, generation or index.
    auto entry = [](int type, long second, int third) {
        std::string e(7, '\0');
        e[0] = static_cast<char>(type);
        for (int i = 0; i < 4; ++i) e[1 + i] = static_cast<char>((second >> (8 * (3 - i))) & 0xff);
        e[5] = static_cast<char>((third >> 8) & 0xff);
        e[6] = static_cast<char>(third & 0xff);
        return e;
    };
    std::string entries = entry(0, 0, 65535);
    for (int n = 1; n < self; ++n) {
        auto packed = inObjectStream.find(n);
        if (packed != inObjectStream.end())
            entries += entry(2, packed->second.first, packed->second.second);
        else
            entries += at[n] ? entry(1, at[n], 0) : entry(0, 0, 0);
    }
    entries += entry(1, xref, 0);
    out += std::to_string(self) + " 0 obj\n<</Type/XRef/Size " + std::to_string(self + 1) + "/W[1 4 2]/Length " +
           std::to_string(entries.size()) + trailerEntries + ">>\nstream\n" + entries + "\nendstream\nendobj\n";
    out += "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

std::string flate(const std::string& data) {
    std::ostringstream out;
    Poco::DeflatingOutputStream deflater(out, Poco::DeflatingStreamBuf::STREAM_ZLIB, 9);
    deflater << data;
    deflater.close();
    return out.str();
}

ObjectStreamBody objectStream(const std::vector<std::pair<int, std::string>>& objects) {
    std::string header, values;
    for (const auto& [number, value] : objects) {
        header += std::to_string(number) + " " + std::to_string(values.size()) + " ";
        values += value + "\n";
    }
    return {"/Type/ObjStm/N " + std::to_string(objects.size()) + "/First " + std::to_string(header.size()),
            header + values};
}

std::string simplePdf(int pages) {
    PdfBuilder b;
    b.add("<</Type/Catalog/Pages 2 0 R>>");
    std::string kids;
    for (int i = 0; i < pages; ++i) kids += std::to_string(3 + i) + " 0 R ";
    b.add("<</Type/Pages/Kids[" + kids + "]/Count " + std::to_string(pages) + ">>");
    for (int i = 0; i < pages; ++i) b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>");
    return b.build();
}

std::vector<HostilePdf> hostilePdfs() {
    std::vector<HostilePdf> all;

    {  // The page tree needs an array; a reference to the page made PoDoFo throw
       // an error whose ErrorMessage() is NULL, and the server crashed on it.
        PdfBuilder b;
        b.add("<</Type/Catalog/Pages 2 0 R>>");
        b.add("<</Type/Pages/Kids 3 0 R/Count 1>>");
        b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>");
        all.push_back({"kids-reference.pdf", "invalid_pdf", b.build()});
    }
    all.push_back({"nested-arrays.pdf", "pdf_too_complex",
                   onePage("/Foo " + repeat("[", 500) + "1" + repeat("]", 500)).build()});
    all.push_back({"nested-dictionaries.pdf", "pdf_too_complex", onePage("/Foo " + nestedDictionaries(60000)).build()});
    {  // A page-tree node that is its own kid.
        PdfBuilder b;
        b.add("<</Type/Catalog/Pages 2 0 R>>");
        b.add("<</Type/Pages/Kids[2 0 R 3 0 R]/Count 1>>");
        b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>");
        all.push_back({"kids-cycle-self.pdf", "invalid_pdf", b.build()});
    }
    {  // A node whose kid lists the node again (child -> parent).
        PdfBuilder b;
        b.add("<</Type/Catalog/Pages 2 0 R>>");
        b.add("<</Type/Pages/Kids[4 0 R]/Count 1>>");
        b.add("<</Type/Page/Parent 4 0 R/MediaBox[0 0 595 842]>>");
        b.add("<</Type/Pages/Parent 2 0 R/Kids[2 0 R 3 0 R]/Count 1>>");
        all.push_back({"kids-cycle-parent.pdf", "invalid_pdf", b.build()});
    }
    {
        std::string whole = simplePdf(2);
        all.push_back({"truncated.pdf", "invalid_pdf", whole.substr(0, whole.size() / 2)});
        std::string one = simplePdf(1);
        all.push_back({"truncated-xref.pdf", "invalid_pdf", one.substr(0, one.find("xref") + 40)});
    }
    {
        PdfBuilder b = onePage("/Contents 4 0 R");
        b.add("<</Length 99999999999>>\nstream\nBT ET\nendstream");
        all.push_back({"stream-length-past-end.pdf", "invalid_pdf", b.build()});
    }
    all.push_back({"not-a-pdf.pdf", "invalid_pdf",
                   std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89", 33)});
    all.push_back({"text.pdf", "invalid_pdf", "これはPDFではありません。介護計画書は別途郵送します。\n"});
    {  // The deep dictionary where only a compressed object stream has it.
        PdfBuilder b = onePage("/Foo 5 0 R");
        ObjectStreamBody stream = objectStream({{5, nestedDictionaries(60000)}});
        b.addStream(stream.dictEntries + "/Filter/FlateDecode", flate(stream.data));
        b.reserve();  // 5
        all.push_back({"object-stream-nesting.pdf", "pdf_too_complex", b.buildWithXrefStream("/Root 1 0 R", {{5, {4, 0}}})});
    }
    {  // The deep dictionary inside a stream body, where only the xref points.
        PdfBuilder b = onePage("/Foo 5 0 R");
        b.addStream("", "5 0 obj\n" + nestedDictionaries(60000) + "\nendobj");
        b.reserve();  // 5
        std::string draft = b.build();
        const long hidden = static_cast<long>(draft.find("5 0 obj"));
        all.push_back({"hidden-object.pdf", "pdf_too_complex", b.build("/Root 1 0 R", {{5, hidden}})});
    }
    {  // 21 MiB of white space behind a few KiB of zlib data.
        PdfBuilder b = onePage("/Foo 5 0 R");
        ObjectStreamBody stream = objectStream({{5, "null" + std::string(21 << 20, ' ')}});
        b.addStream(stream.dictEntries + "/Filter/FlateDecode", flate(stream.data));
        b.reserve();  // 5
        all.push_back({"inflating-object-stream.pdf", "pdf_too_complex",
                       b.buildWithXrefStream("/Root 1 0 R", {{5, {4, 0}}})});
    }
    all.push_back({"too-many-pages.pdf", "too_many_pages", simplePdf(61)});
    return all;
}

}  // namespace testing_support
