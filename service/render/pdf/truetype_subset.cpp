#include "render/pdf/truetype_subset.h"

#include <functional>
#include <map>
#include <unordered_map>

#include "render/pdf/sfnt.h"

namespace render {

namespace {

using common::Status;
using GlyphMap = std::unordered_map<std::uint16_t, std::uint16_t>;  // original id -> subset id

// Composite glyph flags (OpenType 'glyf' spec).
constexpr std::uint16_t kArgsAreWords = 0x0001;
constexpr std::uint16_t kHaveScale = 0x0008;
constexpr std::uint16_t kMoreComponents = 0x0020;
constexpr std::uint16_t kHaveXYScale = 0x0040;
constexpr std::uint16_t kHaveTwoByTwo = 0x0080;
constexpr std::size_t kGlyphHeaderSize = 10;  // numberOfContours + bounding box

bool isComposite(std::string_view glyph) { return glyph.size() >= 2 && sfnt::s16(glyph, 0) < 0; }

// Calls visit(offset) with the offset of each component's glyph index.
Status forEachComponent(std::string_view glyph, const std::function<void(std::size_t)>& visit) {
    std::size_t pos = kGlyphHeaderSize;
    for (;;) {
        if (pos + 4 > glyph.size()) return Status::internal("truncated composite glyph");
        std::uint16_t flags = sfnt::u16(glyph, pos);
        visit(pos + 2);
        pos += 4 + ((flags & kArgsAreWords) ? 4 : 2);
        if (flags & kHaveScale) pos += 2;
        else if (flags & kHaveXYScale) pos += 4;
        else if (flags & kHaveTwoByTwo) pos += 8;
        if (!(flags & kMoreComponents)) return Status::ok();
    }
}

// Appends the components of composite glyphs (recursively) and maps every
// original id to its first position in glyphs.
common::Result<GlyphMap> closeOverComponents(const FontFile& font, std::vector<std::uint16_t>& glyphs) {
    GlyphMap newIds;
    for (std::size_t i = 0; i < glyphs.size(); ++i) newIds.emplace(glyphs[i], static_cast<std::uint16_t>(i));
    for (std::size_t i = 0; i < glyphs.size(); ++i) {
        std::string_view data = font.glyphData(glyphs[i]);
        if (!isComposite(data)) continue;
        Status status = forEachComponent(data, [&](std::size_t offset) {
            std::uint16_t component = sfnt::u16(data, offset);
            if (newIds.emplace(component, static_cast<std::uint16_t>(glyphs.size())).second) {
                glyphs.push_back(component);
            }
        });
        if (!status) return status;
        if (glyphs.size() > 0xFFFF) return Status::internal("subset has too many glyphs");
    }
    return newIds;
}

// 'glyf' and long-format 'loca' for the subset.
Status buildGlyphTables(const FontFile& font, const std::vector<std::uint16_t>& glyphs, const GlyphMap& newIds,
                        std::string& glyf, std::string& loca) {
    for (std::uint16_t original : glyphs) {
        sfnt::putU32(loca, static_cast<std::uint32_t>(glyf.size()));
        std::string_view data = font.glyphData(original);
        std::size_t start = glyf.size();
        glyf.append(data);
        if (isComposite(data)) {
            Status status = forEachComponent(data, [&](std::size_t offset) {
                sfnt::setU16(glyf, start + offset, newIds.at(sfnt::u16(data, offset)));
            });
            if (!status) return status;
        }
        glyf.resize((glyf.size() + 3) & ~std::size_t{3}, '\0');  // 4-byte alignment
    }
    sfnt::putU32(loca, static_cast<std::uint32_t>(glyf.size()));
    return Status::ok();
}

std::string buildHmtx(const FontFile& font, const std::vector<std::uint16_t>& glyphs) {
    std::string hmtx;
    hmtx.reserve(4 * glyphs.size());
    for (std::uint16_t original : glyphs) {
        sfnt::putU16(hmtx, font.advanceUnits(original));
        sfnt::putU16(hmtx, static_cast<std::uint16_t>(font.leftSideBearing(original)));
    }
    return hmtx;
}

std::uint32_t checksum(std::string_view data) {
    std::uint32_t sum = 0;
    std::size_t i = 0;
    for (; i + 4 <= data.size(); i += 4) sum += sfnt::u32(data, i);
    std::uint32_t tail = 0;
    for (std::size_t k = 0; i + k < data.size(); ++k) {
        tail |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + k])) << (24 - 8 * k);
    }
    return sum + tail;
}

// Writes the sfnt container: directory sorted by tag, tables 4-byte aligned,
// checksums, and head.checkSumAdjustment over the whole file.
std::string assembleFont(const std::map<std::string, std::string>& tables) {
    auto numTables = static_cast<std::uint16_t>(tables.size());
    std::uint16_t entrySelector = 0;
    while ((2u << entrySelector) <= numTables) ++entrySelector;
    auto searchRange = static_cast<std::uint16_t>(16u << entrySelector);

    std::string font;
    sfnt::putU32(font, 0x00010000);
    sfnt::putU16(font, numTables);
    sfnt::putU16(font, searchRange);
    sfnt::putU16(font, entrySelector);
    sfnt::putU16(font, static_cast<std::uint16_t>(numTables * 16 - searchRange));
    std::size_t offset = 12 + 16 * tables.size();
    std::size_t headOffset = 0;
    for (const auto& [tag, data] : tables) {
        font.append(tag);
        sfnt::putU32(font, checksum(data));
        sfnt::putU32(font, static_cast<std::uint32_t>(offset));
        sfnt::putU32(font, static_cast<std::uint32_t>(data.size()));
        if (tag == "head") headOffset = offset;
        offset += (data.size() + 3) & ~std::size_t{3};
    }
    for (const auto& entry : tables) {
        font.append(entry.second);
        font.resize((font.size() + 3) & ~std::size_t{3}, '\0');
    }
    sfnt::setU32(font, headOffset + 8, 0xB1B0AFBA - checksum(font));
    return font;
}

void copyIfPresent(const FontFile& font, const std::string& tag, std::map<std::string, std::string>& tables) {
    std::string_view data = font.table(tag);
    if (!data.empty()) tables[tag] = std::string(data);
}

}  // namespace

common::Result<std::string> buildTrueTypeSubset(const FontFile& font, std::vector<std::uint16_t>& glyphs) {
    auto newIds = closeOverComponents(font, glyphs);
    if (!newIds) return newIds.status();
    std::map<std::string, std::string> tables;
    Status status = buildGlyphTables(font, glyphs, *newIds, tables["glyf"], tables["loca"]);
    if (!status) return status;
    tables["hmtx"] = buildHmtx(font, glyphs);
    auto count = static_cast<std::uint16_t>(glyphs.size());

    tables["head"] = std::string(font.table("head"));
    sfnt::setU32(tables["head"], 8, 0);   // checkSumAdjustment, set by assembleFont
    sfnt::setU16(tables["head"], 50, 1);  // long loca offsets
    tables["hhea"] = std::string(font.table("hhea"));
    sfnt::setU16(tables["hhea"], 34, count);  // every glyph gets a full hmtx entry
    tables["maxp"] = std::string(font.table("maxp"));
    sfnt::setU16(tables["maxp"], 4, count);
    // Glyph names would only bloat the file: post format 3 has none.
    if (font.table("post").size() >= 32) {
        tables["post"] = std::string(font.table("post").substr(0, 32));
        sfnt::setU32(tables["post"], 0, 0x00030000);
    }
    // Glyph instructions call into fpgm/prep and read cvt, so hinted glyphs need them.
    for (const char* tag : {"cvt ", "fpgm", "prep", "OS/2"}) copyIfPresent(font, tag, tables);
    return assembleFont(tables);
}

}  // namespace render
