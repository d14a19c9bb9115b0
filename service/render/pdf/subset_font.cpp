#include "render/pdf/subset_font.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "render/pdf/glyph_key.h"
#include "render/pdf/pdf_file.h"
#include "render/pdf/truetype_subset.h"

namespace render {

using namespace PoDoFo;

namespace {

// Font programs are most of the bytes and most of the time. What a sheet's
// documents share (its labels' glyphs) is compressed once, so it gets the
// smallest output. A document's own outlines (some 200 glyphs, 40 KB for the
// admission sheet) are coordinates with few repeats: level 1 shrinks them by
// only 23% and Huffman coding alone by 12%, at 0.8 and 0.4 ms, a fifth of the
// whole render. They are stored as they are: about 5 KB more per document
// (103 KB, the target is 150) for 0.5 ms less. The tables before them (loca,
// hmtx) repeat a lot and are small: level 1.
constexpr int kFontCompressionLevel = 1;
constexpr int kGlyphCompressionLevel = kStored;
// A document's own ToUnicode entries are hex text full of repeats, which
// level 6 spends long searching: level 1 is about five times faster.
constexpr int kCMapCompressionLevel = 1;
constexpr int kSharedCompressionLevel = 9;
constexpr std::size_t kMaxBfcharEntries = 100;  // per beginbfchar block (CMap spec)
constexpr int kDefaultWidth = 1000;             // /DW: full width, most Japanese glyphs

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

const char kCMapStart[] =
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
const char kCMapEnd[] = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

void appendBfchar(std::string& cmap, const std::vector<char32_t>& codePoints, std::uint32_t firstCid) {
    for (std::size_t first = 0; first < codePoints.size(); first += kMaxBfcharEntries) {
        std::size_t count = std::min(kMaxBfcharEntries, codePoints.size() - first);
        cmap += std::to_string(count) + " beginbfchar\n";
        for (std::size_t i = first; i < first + count; ++i) {
            cmap.push_back('<');
            appendHex(cmap, static_cast<std::uint32_t>(firstCid + i), 4);
            cmap.append("> <");
            // A variation sequence extracts as its base and selector, so a
            // copy keeps the variant: <845BDB40DD00> for 葛 + U+E0100.
            appendUtf16Hex(cmap, baseOf(codePoints[i]));
            if (char32_t selector = selectorOf(codePoints[i])) appendUtf16Hex(cmap, selector);
            cmap.append(">\n");
        }
        cmap += "endbfchar\n";
    }
}

void sortUnique(std::vector<char32_t>& codePoints) {
    std::sort(codePoints.begin(), codePoints.end());
    codePoints.erase(std::unique(codePoints.begin(), codePoints.end()), codePoints.end());
}

}  // namespace

common::Result<std::shared_ptr<const SubsetBase>> buildSubsetBase(const FontFile& font,
                                                                  std::vector<char32_t> codePoints) {
    if (codePoints.size() >= 0xFFFF) return common::Status::internal("too many distinct characters for one font");
    std::vector<std::uint16_t> glyphs(1, 0);  // CID 0: .notdef
    for (char32_t cp : codePoints) glyphs.push_back(glyphFor(font, cp));
    auto prefix = buildGlyphPrefix(font, std::move(glyphs), kSharedCompressionLevel);
    if (!prefix) return common::Status::internal(font.postScriptName() + " subset: " + prefix.status().message());
    auto base = std::make_shared<SubsetBase>();
    base->glyphs = std::move(prefix).value();
    std::string cmap = kCMapStart;
    appendBfchar(cmap, codePoints, 1);
    base->toUnicodeStart = deflatePiece(cmap, kSharedCompressionLevel);
    base->codePoints = std::move(codePoints);
    return std::shared_ptr<const SubsetBase>(std::move(base));
}

common::Result<std::shared_ptr<const SubsetBase>> SubsetCache::base(const FontFile& font,
                                                                    std::vector<char32_t> codePoints) {
    Key key(&font, std::move(codePoints));
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = bases_.find(key);
        if (it != bases_.end()) return it->second;
    }
    // Built outside the lock: two threads may build the same base at once,
    // and both get identical results.
    auto built = buildSubsetBase(font, key.second);
    if (!built) return built.status();
    std::lock_guard<std::mutex> lock(mutex_);
    if (bases_.size() < kMaxEntries) bases_.emplace(std::move(key), built.value());
    return built;
}

common::Status SubsetFont::finish(SubsetCache& cache) {
    sortUnique(sharedCodePoints_);
    sortUnique(codePoints_);
    std::vector<char32_t> own;
    std::set_difference(codePoints_.begin(), codePoints_.end(), sharedCodePoints_.begin(), sharedCodePoints_.end(),
                        std::back_inserter(own));
    codePoints_ = std::move(own);
    auto base = cache.base(font_, sharedCodePoints_);
    if (!base) return base.status();
    base_ = std::move(base).value();
    std::size_t firstCid = base_->glyphs->glyphs.size();
    if (firstCid + codePoints_.size() >= 0xFFFF) {
        return common::Status::internal("too many distinct characters for one font");
    }
    firstCid_ = static_cast<std::uint16_t>(firstCid);
    std::vector<std::uint16_t> glyphs;
    glyphs.reserve(codePoints_.size());
    for (char32_t cp : codePoints_) glyphs.push_back(glyphFor(font_, cp));
    auto subset = buildTrueTypeSubset(font_, base_->glyphs, glyphs);
    if (!subset) return common::Status::internal(font_.postScriptName() + " subset: " + subset.status().message());
    program_ = std::move(subset).value();
    // Every character shown is looked up again: a hash lookup each.
    cids_.reserve(sharedCodePoints_.size() + codePoints_.size());
    for (std::size_t i = 0; i < sharedCodePoints_.size(); ++i) {
        cids_.emplace(sharedCodePoints_[i], static_cast<std::uint16_t>(i + 1));
    }
    for (std::size_t i = 0; i < codePoints_.size(); ++i) {
        cids_.emplace(codePoints_[i], static_cast<std::uint16_t>(firstCid_ + i));
    }
    std::vector<char32_t> all = sharedCodePoints_;
    all.insert(all.end(), codePoints_.begin(), codePoints_.end());
    baseFontName_ = subsetTag(font_.postScriptName(), all) + "+" + font_.postScriptName();
    return common::Status::ok();
}

std::uint16_t SubsetFont::cid(char32_t codePoint) const {
    auto it = cids_.find(codePoint);
    return it == cids_.end() ? 0 : it->second;
}

int SubsetFont::widthOf(char32_t key) const { return toPdfUnits(font_.advanceUnits(glyphFor(font_, key))); }

int SubsetFont::toPdfUnits(int fontUnits) const {
    return static_cast<int>(std::lround(fontUnits * 1000.0 / font_.unitsPerEm()));
}

// The ToUnicode CMap as one zlib stream: the base's part is compressed once.
std::string SubsetFont::compressedToUnicode() const {
    std::string cmap;
    appendBfchar(cmap, codePoints_, firstCid_);
    cmap += kCMapEnd;
    DeflatePiece own = deflatePiece(cmap, kCMapCompressionLevel);
    return joinPieces({&base_->toUnicodeStart, &own});
}

PdfObject* SubsetFont::writeDescriptor(PdfVecObjects& objects) const {
    PdfObject* program = addDeflatedStream(objects, program_.compressed(kFontCompressionLevel, kGlyphCompressionLevel));
    program->GetDictionary().AddKey("Length1", pdfInteger(static_cast<long long>(program_.size())));

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
    // Widths that differ from /DW 1000 (Latin, digits, half-width forms),
    // as runs of consecutive CIDs: [c [w w ...] c [w ...]]. Japanese text is
    // mostly full width, so this list stays short.
    PdfArray w;
    std::vector<int> run;
    std::size_t runStart = 0;
    const std::vector<std::uint16_t>& glyphs = program_.glyphs;
    for (std::size_t cid = 1; cid <= glyphs.size(); ++cid) {
        int width = cid < glyphs.size() ? toPdfUnits(font_.advanceUnits(glyphs[cid])) : kDefaultWidth;
        if (width != kDefaultWidth) {
            if (run.empty()) runStart = cid;
            run.push_back(width);
        } else if (!run.empty()) {
            w.push_back(pdfInteger(static_cast<long long>(runStart)));
            w.push_back(intArray(run));
            run.clear();
        }
    }

    PdfObject* cidFont = objects.CreateObject("Font");
    PdfDictionary& dict = cidFont->GetDictionary();
    dict.AddKey("Subtype", PdfName("CIDFontType2"));
    dict.AddKey("BaseFont", PdfName(baseFontName_));
    dict.AddKey("CIDSystemInfo", systemInfo);
    dict.AddKey("FontDescriptor", descriptor->Reference());
    dict.AddKey("DW", pdfInteger(kDefaultWidth));
    if (!w.empty()) dict.AddKey("W", w);
    // The subset numbers its glyphs by CID, so CID = glyph id.
    dict.AddKey("CIDToGIDMap", PdfName("Identity"));
    return cidFont;
}

PdfObject* SubsetFont::writeObjects(PdfVecObjects& objects) const {
    PdfObject* cidFont = writeCidFont(objects);
    PdfObject* toUnicode = addDeflatedStream(objects, compressedToUnicode());
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
