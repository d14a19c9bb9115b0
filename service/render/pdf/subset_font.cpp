#include "render/pdf/subset_font.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>

#include "render/pdf/pdf_file.h"
#include "render/pdf/truetype_subset.h"

namespace render {

using namespace PoDoFo;

namespace {

// Font programs are most of the bytes and most of the time: for a 300-glyph
// subset, level 1 is about three times faster than the default level 6 and
// the file only 3% larger.
constexpr int kFontCompressionLevel = 1;
constexpr int kCMapCompressionLevel = 6;
constexpr std::size_t kMaxBfcharEntries = 100;  // per beginbfchar block (CMap spec)

// Six capital letters from an FNV-1a hash of the font name and code points:
// stable across runs, and different subsets of one font get different tags.
std::string subsetTag(const std::string& fontName, const std::vector<char32_t>& codePoints) {
    std::uint64_t hash = 14695981039346656037ull;
    auto mix = [&hash](std::uint64_t value) {
        for (int i = 0; i < 4; ++i) {
            hash ^= (value >> (8 * i)) & 0xFF;
            hash *= 1099511628211ull;
        }
    };
    for (char c : fontName) mix(static_cast<unsigned char>(c));
    for (char32_t cp : codePoints) mix(cp);
    std::string tag;
    for (int i = 0; i < 6; ++i) {
        tag.push_back(static_cast<char>('A' + hash % 26));
        hash /= 26;
    }
    return tag;
}

void appendHex(std::string& out, std::uint32_t value, int digits) {
    static const char kDigits[] = "0123456789ABCDEF";
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xF]);
}

// UTF-16BE as hex: one unit in the BMP, a surrogate pair beyond it.
void appendUtf16Hex(std::string& out, char32_t codePoint) {
    if (codePoint < 0x10000) {
        appendHex(out, codePoint, 4);
        return;
    }
    char32_t offset = codePoint - 0x10000;
    appendHex(out, 0xD800 + (offset >> 10), 4);
    appendHex(out, 0xDC00 + (offset & 0x3FF), 4);
}

PdfArray intArray(const std::vector<int>& values) {
    PdfArray array;
    for (int value : values) array.push_back(pdfInteger(value));
    return array;
}

}  // namespace

common::Status SubsetFont::finish() {
    std::sort(codePoints_.begin(), codePoints_.end());
    codePoints_.erase(std::unique(codePoints_.begin(), codePoints_.end()), codePoints_.end());
    if (codePoints_.size() >= 0xFFFF) return common::Status::internal("too many distinct characters for one font");
    glyphs_.assign(1, 0);  // CID 0: .notdef
    for (char32_t cp : codePoints_) glyphs_.push_back(font_.glyphId(cp));
    auto subset = buildTrueTypeSubset(font_, glyphs_);
    if (!subset) return common::Status::internal(font_.postScriptName() + " subset: " + subset.status().message());
    fontProgram_ = std::move(subset).value();
    baseFontName_ = subsetTag(font_.postScriptName(), codePoints_) + "+" + font_.postScriptName();
    return common::Status::ok();
}

std::uint16_t SubsetFont::cid(char32_t codePoint) const {
    auto it = std::lower_bound(codePoints_.begin(), codePoints_.end(), codePoint);
    if (it == codePoints_.end() || *it != codePoint) return 0;
    return static_cast<std::uint16_t>(it - codePoints_.begin() + 1);
}

int SubsetFont::toPdfUnits(int fontUnits) const {
    return static_cast<int>(std::lround(fontUnits * 1000.0 / font_.unitsPerEm()));
}

std::string SubsetFont::toUnicodeCMap() const {
    std::string cmap =
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
    for (std::size_t first = 0; first < codePoints_.size(); first += kMaxBfcharEntries) {
        std::size_t count = std::min(kMaxBfcharEntries, codePoints_.size() - first);
        cmap += std::to_string(count) + " beginbfchar\n";
        for (std::size_t i = first; i < first + count; ++i) {
            cmap.push_back('<');
            appendHex(cmap, static_cast<std::uint32_t>(i + 1), 4);
            cmap.append("> <");
            appendUtf16Hex(cmap, codePoints_[i]);
            cmap.append(">\n");
        }
        cmap += "endbfchar\n";
    }
    cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    return cmap;
}

PdfObject* SubsetFont::writeDescriptor(PdfVecObjects& objects) const {
    PdfObject* program = addFlateStream(objects, fontProgram_, kFontCompressionLevel);
    program->GetDictionary().AddKey("Length1", pdfInteger(fontProgram_.size()));

    PdfObject* descriptor = objects.CreateObject("FontDescriptor");
    PdfDictionary& dict = descriptor->GetDictionary();
    const std::vector<int>& box = font_.boundingBox();
    dict.AddKey("FontName", PdfName(baseFontName_));
    dict.AddKey("Flags", pdfInteger(4));  // symbolic: glyphs are addressed by CID, not a standard encoding
    dict.AddKey("FontBBox", intArray({toPdfUnits(box[0]), toPdfUnits(box[1]), toPdfUnits(box[2]), toPdfUnits(box[3])}));
    dict.AddKey("ItalicAngle", pdfInteger(0));
    dict.AddKey("Ascent", pdfInteger(toPdfUnits(font_.ascender())));
    dict.AddKey("Descent", pdfInteger(toPdfUnits(font_.descender())));
    dict.AddKey("CapHeight", pdfInteger(toPdfUnits(font_.capHeight())));
    dict.AddKey("StemV", pdfInteger(80));  // required key; viewers only use it to synthesise substitutes
    dict.AddKey("FontFile2", program->Reference());
    return descriptor;
}

PdfObject* SubsetFont::writeCidFont(PdfVecObjects& objects) const {
    PdfObject* descriptor = writeDescriptor(objects);
    PdfDictionary systemInfo;
    systemInfo.AddKey("Registry", PdfString("Adobe"));
    systemInfo.AddKey("Ordering", PdfString("Identity"));
    systemInfo.AddKey("Supplement", pdfInteger(0));
    // CIDs 1..n are consecutive, so one run lists every width: [1 [w1 ... wn]].
    std::vector<int> widths;
    widths.reserve(codePoints_.size());
    for (std::size_t cid = 1; cid <= codePoints_.size(); ++cid) {
        widths.push_back(toPdfUnits(font_.advanceUnits(glyphs_[cid])));
    }
    PdfArray w;
    w.push_back(pdfInteger(1));
    w.push_back(intArray(widths));

    PdfObject* cidFont = objects.CreateObject("Font");
    PdfDictionary& dict = cidFont->GetDictionary();
    dict.AddKey("Subtype", PdfName("CIDFontType2"));
    dict.AddKey("BaseFont", PdfName(baseFontName_));
    dict.AddKey("CIDSystemInfo", systemInfo);
    dict.AddKey("FontDescriptor", descriptor->Reference());
    dict.AddKey("DW", pdfInteger(1000));
    dict.AddKey("W", w);
    // The subset numbers its glyphs by CID, so CID = glyph id.
    dict.AddKey("CIDToGIDMap", PdfName("Identity"));
    return cidFont;
}

PdfObject* SubsetFont::writeObjects(PdfVecObjects& objects) const {
    PdfObject* cidFont = writeCidFont(objects);
    PdfObject* toUnicode = addFlateStream(objects, toUnicodeCMap(), kCMapCompressionLevel);
    PdfObject* type0 = objects.CreateObject("Font");
    PdfDictionary& dict = type0->GetDictionary();
    dict.AddKey("Subtype", PdfName("Type0"));
    dict.AddKey("BaseFont", PdfName(baseFontName_));
    dict.AddKey("Encoding", PdfName("Identity-H"));
    PdfArray descendants;
    descendants.push_back(cidFont->Reference());
    dict.AddKey("DescendantFonts", descendants);
    dict.AddKey("ToUnicode", toUnicode->Reference());
    return type0;
}

}  // namespace render
