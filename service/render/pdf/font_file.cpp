#include "render/pdf/font_file.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "render/pdf/sfnt.h"

namespace render {

namespace {

using common::Status;

// Owns a FreeType library and face for the duration of load(); FreeType
// objects are not thread-safe, so nothing of them outlives the load.
class FreeTypeFace {
public:
    ~FreeTypeFace() {
        if (face_) FT_Done_Face(face_);
        if (library_) FT_Done_FreeType(library_);
    }
    Status open(std::string_view bytes) {
        if (FT_Init_FreeType(&library_) != 0) return Status::internal("FreeType initialisation failed");
        if (FT_New_Memory_Face(library_, reinterpret_cast<const FT_Byte*>(bytes.data()),
                               static_cast<FT_Long>(bytes.size()), 0, &face_) != 0) {
            return Status::ioError("FreeType cannot open the font");
        }
        // Picks the UCS-4 (format 12) cmap when there is one, so code points
        // beyond the BMP (𠮷 U+20BB7) are found too.
        if (FT_Select_Charmap(face_, FT_ENCODING_UNICODE) != 0) {
            return Status::ioError("font has no Unicode cmap");
        }
        return Status::ok();
    }
    FT_Face face() const { return face_; }

private:
    FT_Library library_ = nullptr;
    FT_Face face_ = nullptr;
};

common::Result<std::string> readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::ioError("cannot open font file " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in.good() && !in.eof()) return Status::ioError("cannot read font file " + path);
    return bytes.str();
}

}  // namespace

common::Result<std::unique_ptr<const FontFile>> FontFile::load(const std::string& path) {
    auto bytes = readWholeFile(path);
    if (!bytes) return bytes.status();
    std::unique_ptr<FontFile> font(new FontFile());
    font->path_ = path;
    font->bytes_ = std::move(bytes).value();
    for (auto step : {&FontFile::indexTables, &FontFile::readMetrics, &FontFile::readGlyphLocations,
                      &FontFile::readCmap, &FontFile::readVariationSequences}) {
        Status status = (font.get()->*step)();
        if (!status) return Status::ioError(path + ": " + status.message());
    }
    return std::unique_ptr<const FontFile>(std::move(font));
}

Status FontFile::indexTables() {
    std::string_view data = bytes_;
    if (data.size() < 12) return Status::ioError("file too short for a font");
    std::uint32_t version = sfnt::u32(data, 0);
    if (version != 0x00010000 && version != 0x74727565 /* 'true' */) {
        return Status::ioError("not a TrueType font (collections and CFF outlines are not supported)");
    }
    std::uint16_t numTables = sfnt::u16(data, 4);
    if (data.size() < 12 + 16u * numTables) return Status::ioError("truncated table directory");
    for (std::size_t i = 0; i < numTables; ++i) {
        std::size_t record = 12 + 16 * i;
        std::uint32_t offset = sfnt::u32(data, record + 8);
        std::uint32_t length = sfnt::u32(data, record + 12);
        if (offset > data.size() || length > data.size() - offset) return Status::ioError("table outside the file");
        tables_.emplace(std::string(data.substr(record, 4)), data.substr(offset, length));
    }
    for (const char* tag : {"head", "hhea", "maxp", "hmtx", "loca", "glyf"}) {
        if (table(tag).empty()) return Status::ioError(std::string("missing table ") + tag);
    }
    hmtx_ = table("hmtx");
    glyf_ = table("glyf");
    return Status::ok();
}

Status FontFile::readMetrics() {
    std::string_view head = table("head");
    std::string_view hhea = table("hhea");
    std::string_view maxp = table("maxp");
    if (head.size() < 54 || hhea.size() < 36 || maxp.size() < 6) return Status::ioError("truncated head/hhea/maxp");
    unitsPerEm_ = sfnt::u16(head, 18);
    if (unitsPerEm_ == 0) return Status::ioError("unitsPerEm is 0");
    bbox_ = {sfnt::s16(head, 36), sfnt::s16(head, 38), sfnt::s16(head, 40), sfnt::s16(head, 42)};
    ascender_ = sfnt::s16(hhea, 4);
    descender_ = sfnt::s16(hhea, 6);
    numberOfHMetrics_ = sfnt::u16(hhea, 34);
    numGlyphs_ = sfnt::u16(maxp, 4);
    if (numberOfHMetrics_ == 0 || numberOfHMetrics_ > numGlyphs_) return Status::ioError("bad numberOfHMetrics");
    std::size_t hmtxSize = 4u * numberOfHMetrics_ + 2u * (numGlyphs_ - numberOfHMetrics_);
    if (hmtx_.size() < hmtxSize) return Status::ioError("truncated hmtx");
    // Cap height only exists from OS/2 version 2; the ascender is a fair stand-in.
    std::string_view os2 = table("OS/2");
    capHeight_ = (os2.size() >= 90 && sfnt::u16(os2, 0) >= 2) ? sfnt::s16(os2, 88) : ascender_;
    return Status::ok();
}

Status FontFile::readGlyphLocations() {
    std::string_view loca = table("loca");
    bool longOffsets = sfnt::s16(table("head"), 50) == 1;
    std::size_t entrySize = longOffsets ? 4 : 2;
    if (loca.size() < entrySize * (numGlyphs_ + 1u)) return Status::ioError("truncated loca");
    std::size_t glyfSize = glyf_.size();
    glyphOffsets_.resize(numGlyphs_ + 1u);
    for (std::size_t i = 0; i <= numGlyphs_; ++i) {
        std::uint32_t offset = longOffsets ? sfnt::u32(loca, 4 * i) : 2u * sfnt::u16(loca, 2 * i);
        if (offset > glyfSize || (i > 0 && offset < glyphOffsets_[i - 1])) return Status::ioError("bad loca");
        glyphOffsets_[i] = offset;
    }
    return Status::ok();
}

Status FontFile::readCmap() {
    FreeTypeFace ft;
    Status opened = ft.open(bytes_);
    if (!opened) return opened;
    if (const char* name = FT_Get_Postscript_Name(ft.face())) postScriptName_ = name;
    if (postScriptName_.empty()) postScriptName_ = "Font";
    bmpGlyphs_.assign(0x10000, 0);
    FT_UInt glyph = 0;
    for (FT_ULong code = FT_Get_First_Char(ft.face(), &glyph); glyph != 0;
         code = FT_Get_Next_Char(ft.face(), code, &glyph)) {
        if (glyph >= numGlyphs_) continue;  // a broken cmap entry; treat as missing
        if (code < 0x10000) {
            bmpGlyphs_[code] = static_cast<std::uint16_t>(glyph);
        } else if (code <= 0x10FFFF) {
            supplementaryGlyphs_.emplace_back(static_cast<char32_t>(code), static_cast<std::uint16_t>(glyph));
        }
    }
    std::sort(supplementaryGlyphs_.begin(), supplementaryGlyphs_.end());
    return Status::ok();
}

Status FontFile::readVariationSequences() {
    // FreeType can look sequences up too, but its faces do not outlive load();
    // the subtable is small (2 KB in IPAex Gothic, 57 KB in IPAmj Mincho) and
    // sorted for binary search, so it is read in place.
    std::string_view cmap = table("cmap");
    if (cmap.size() < 4) return Status::ok();
    std::size_t count = sfnt::u16(cmap, 2);
    if (cmap.size() < 4 + 8 * count) return Status::ioError("truncated cmap");
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t record = 4 + 8 * i;
        // Unicode platform, encoding 5: the only home of format 14.
        if (sfnt::u16(cmap, record) != 0 || sfnt::u16(cmap, record + 2) != 5) continue;
        std::uint32_t offset = sfnt::u32(cmap, record + 4);
        if (offset > cmap.size() || cmap.size() - offset < 10 || sfnt::u16(cmap, offset) != 14) {
            return Status::ioError("bad cmap format 14 subtable");
        }
        std::string_view sub = cmap.substr(offset);
        std::uint32_t length = sfnt::u32(sub, 2);
        std::uint32_t records = sfnt::u32(sub, 6);
        if (length > sub.size() || length < 10 || (length - 10) / 11 < records) {
            return Status::ioError("truncated cmap format 14 subtable");
        }
        sub = sub.substr(0, length);
        for (std::size_t r = 0; r < records; ++r) {
            std::size_t at = 10 + 11 * r;
            // Default UVS entries are 4 bytes, non-default ones 5.
            for (auto [tableOffset, entrySize] : {std::pair<std::uint32_t, std::uint32_t>{sfnt::u32(sub, at + 3), 4},
                                                  {sfnt::u32(sub, at + 7), 5}}) {
                if (tableOffset == 0) continue;
                if (tableOffset > length - 4 || (length - tableOffset - 4) / entrySize < sfnt::u32(sub, tableOffset)) {
                    return Status::ioError("cmap format 14 table outside its subtable");
                }
            }
        }
        variationSequences_ = sub;
        break;
    }
    return Status::ok();
}

std::uint16_t FontFile::variantGlyphId(char32_t base, char32_t selector) const {
    std::string_view uvs = variationSequences_;
    if (uvs.empty()) return 0;
    // Binary search over count entries of entrySize bytes from first, keyed
    // by the 24-bit value at their start: the last entry whose key <= value.
    auto lastAtMost = [&](std::size_t first, std::size_t count, std::size_t entrySize, char32_t value) -> std::size_t {
        std::size_t lo = 0, hi = count;  // the answer is lo - 1 after the loop
        while (lo < hi) {
            std::size_t mid = lo + (hi - lo) / 2;
            if (sfnt::u24(uvs, first + mid * entrySize) <= value) lo = mid + 1;
            else hi = mid;
        }
        return lo == 0 ? count : lo - 1;
    };
    std::size_t records = sfnt::u32(uvs, 6);
    std::size_t r = lastAtMost(10, records, 11, selector);
    if (r == records || sfnt::u24(uvs, 10 + 11 * r) != selector) return 0;
    std::size_t record = 10 + 11 * r;
    if (std::uint32_t defaults = sfnt::u32(uvs, record + 3)) {
        std::size_t ranges = sfnt::u32(uvs, defaults);
        std::size_t k = lastAtMost(defaults + 4, ranges, 4, base);
        if (k != ranges) {
            std::size_t at = defaults + 4 + 4 * k;
            char32_t start = sfnt::u24(uvs, at);
            if (base <= start + static_cast<std::uint8_t>(uvs[at + 3])) return glyphId(base);
        }
    }
    if (std::uint32_t specials = sfnt::u32(uvs, record + 7)) {
        std::size_t mappings = sfnt::u32(uvs, specials);
        std::size_t k = lastAtMost(specials + 4, mappings, 5, base);
        if (k != mappings && sfnt::u24(uvs, specials + 4 + 5 * k) == base) {
            std::uint16_t glyph = sfnt::u16(uvs, specials + 4 + 5 * k + 3);
            return glyph < numGlyphs_ ? glyph : 0;
        }
    }
    return 0;
}

std::uint16_t FontFile::glyphId(char32_t codePoint) const {
    if (codePoint < 0x10000) return bmpGlyphs_[codePoint];
    auto it = std::lower_bound(supplementaryGlyphs_.begin(), supplementaryGlyphs_.end(),
                               std::make_pair(codePoint, std::uint16_t{0}));
    return (it != supplementaryGlyphs_.end() && it->first == codePoint) ? it->second : 0;
}

std::uint16_t FontFile::advanceUnits(std::uint16_t glyph) const {
    // Glyphs past numberOfHMetrics share the last advance (monospaced tail).
    std::uint16_t entry = std::min<std::uint16_t>(glyph, numberOfHMetrics_ - 1);
    return sfnt::u16(hmtx_, 4u * entry);
}

std::int16_t FontFile::leftSideBearing(std::uint16_t glyph) const {
    if (glyph < numberOfHMetrics_) return sfnt::s16(hmtx_, 4u * glyph + 2);
    if (glyph >= numGlyphs_) return 0;
    return sfnt::s16(hmtx_, 4u * numberOfHMetrics_ + 2u * (glyph - numberOfHMetrics_));
}

std::string_view FontFile::table(const std::string& tag) const {
    auto it = tables_.find(tag);
    return it == tables_.end() ? std::string_view() : it->second;
}

std::string_view FontFile::glyphData(std::uint16_t glyph) const {
    if (glyph >= numGlyphs_) return {};
    std::uint32_t begin = glyphOffsets_[glyph];
    return glyf_.substr(begin, glyphOffsets_[glyph + 1u] - begin);
}

}  // namespace render
