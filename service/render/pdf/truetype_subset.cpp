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
constexpr std::uint16_t kWeHaveInstructions = 0x0100;
constexpr std::size_t kGlyphHeaderSize = 10;  // numberOfContours + bounding box

bool isComposite(std::string_view glyph) { return glyph.size() >= 2 && sfnt::s16(glyph, 0) < 0; }

// Calls visit(offset) with the offset of each component's glyph index (its
// flags are the two bytes before) and returns the offset just past the last
// component, where the composite's own instructions start when it has any.
common::Result<std::size_t> forEachComponent(std::string_view glyph, const std::function<void(std::size_t)>& visit) {
    std::size_t pos = kGlyphHeaderSize;
    for (;;) {
        if (pos + 4 > glyph.size()) return Status::internal("truncated composite glyph");
        std::uint16_t flags = sfnt::u16(glyph, pos);
        visit(pos + 2);
        pos += 4 + ((flags & kArgsAreWords) ? 4 : 2);
        if (flags & kHaveScale) pos += 2;
        else if (flags & kHaveXYScale) pos += 4;
        else if (flags & kHaveTwoByTwo) pos += 8;
        if (!(flags & kMoreComponents)) {
            if (pos > glyph.size()) return Status::internal("truncated composite glyph");
            return pos;
        }
    }
}

// Appends a glyph's outline without its TrueType instructions (hinting).
// Hinting only snaps outlines to a coarse pixel grid; printers and fax
// rasterise at 200-600 dpi where it changes nothing visible, and in IPAex
// Gothic the instructions are 46% of the glyph data. The contours, points
// and flags are copied byte for byte, so every outline stays exact.
Status appendUnhinted(std::string_view data, std::string& glyf) {
    if (data.empty()) return Status::ok();  // a blank glyph (space) has no data at all
    if (data.size() < kGlyphHeaderSize) return Status::internal("truncated glyph header");
    std::int16_t contours = sfnt::s16(data, 0);
    if (contours < 0) {
        std::size_t start = glyf.size();
        glyf.append(data);
        auto end = forEachComponent(data, [&](std::size_t offset) {
            std::size_t flags = start + offset - 2;
            sfnt::setU16(glyf, flags, sfnt::u16(glyf, flags) & ~kWeHaveInstructions);
        });
        if (!end) return end.status();
        glyf.resize(start + end.value());
        return Status::ok();
    }
    std::size_t lengthAt = kGlyphHeaderSize + 2u * static_cast<std::size_t>(contours);
    if (lengthAt + 2 > data.size()) return Status::internal("truncated glyph");
    std::size_t instructions = sfnt::u16(data, lengthAt);
    if (lengthAt + 2 + instructions > data.size()) return Status::internal("glyph instructions past its end");
    glyf.append(data.substr(0, lengthAt));
    sfnt::putU16(glyf, 0);
    glyf.append(data.substr(lengthAt + 2 + instructions));
    return Status::ok();
}

// Appends to glyphs[from..] the glyphs their composites are built from
// (recursively), unless known already has them, and records each new
// glyph's first position in ids.
Status closeOverComponents(const FontFile& font, std::vector<std::uint16_t>& glyphs, std::size_t from, GlyphMap& ids,
                           const GlyphMap* known) {
    for (std::size_t i = from; i < glyphs.size(); ++i) ids.emplace(glyphs[i], static_cast<std::uint16_t>(i));
    for (std::size_t i = from; i < glyphs.size(); ++i) {
        std::string_view data = font.glyphData(glyphs[i]);
        if (!isComposite(data)) continue;
        auto end = forEachComponent(data, [&](std::size_t offset) {
            std::uint16_t component = sfnt::u16(data, offset);
            if (known && known->count(component)) return;
            if (ids.emplace(component, static_cast<std::uint16_t>(glyphs.size())).second) glyphs.push_back(component);
        });
        if (!end) return end.status();
        if (glyphs.size() > 0xFFFF) return Status::internal("subset has too many glyphs");
    }
    return Status::ok();
}

// Appends the unhinted outlines of glyphs[from..] to glyf with their offsets
// (relative to base) in loca, renumbering composite components by ids, then
// known.
Status appendGlyphs(const FontFile& font, const std::vector<std::uint16_t>& glyphs, std::size_t from,
                    const GlyphMap& ids, const GlyphMap* known, std::uint32_t base, std::string& glyf,
                    std::vector<std::uint32_t>& loca) {
    for (std::size_t i = from; i < glyphs.size(); ++i) {
        loca.push_back(base + static_cast<std::uint32_t>(glyf.size()));
        std::string_view data = font.glyphData(glyphs[i]);
        std::size_t start = glyf.size();
        Status copied = appendUnhinted(data, glyf);
        if (!copied) return copied;
        if (isComposite(data)) {
            auto end = forEachComponent(data, [&](std::size_t offset) {
                std::uint16_t component = sfnt::u16(data, offset);
                auto it = ids.find(component);
                std::uint16_t id = it != ids.end() ? it->second : known->at(component);
                sfnt::setU16(glyf, start + offset, id);
            });
            if (!end) return end.status();
        }
        glyf.resize((glyf.size() + 3) & ~std::size_t{3}, '\0');  // 4-byte alignment
    }
    return Status::ok();
}

void appendHmtx(const FontFile& font, const std::vector<std::uint16_t>& glyphs, std::size_t from, std::string& hmtx) {
    for (std::size_t i = from; i < glyphs.size(); ++i) {
        sfnt::putU16(hmtx, font.advanceUnits(glyphs[i]));
        sfnt::putU16(hmtx, static_cast<std::uint16_t>(font.leftSideBearing(glyphs[i])));
    }
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

std::size_t padded(std::size_t size) { return (size + 3) & ~std::size_t{3}; }

// Writes everything of the sfnt file but the glyf data: the directory
// (sorted by tag) and the other tables in tag order, then glyf last, which
// the directory places after them. glyfSize and glyfChecksum describe the
// whole glyf table; head.checkSumAdjustment is computed from the checksums,
// as the file is the directory plus the padded tables.
std::string assembleFront(std::map<std::string, std::string>& tables, std::size_t glyfSize,
                          std::uint32_t glyfChecksum, std::map<std::string, std::size_t>& offsets) {
    auto numTables = static_cast<std::uint16_t>(tables.size() + 1);
    std::uint16_t entrySelector = 0;
    while ((2u << entrySelector) <= numTables) ++entrySelector;
    auto searchRange = static_cast<std::uint16_t>(16u << entrySelector);

    std::string font;
    sfnt::putU32(font, 0x00010000);
    sfnt::putU16(font, numTables);
    sfnt::putU16(font, searchRange);
    sfnt::putU16(font, entrySelector);
    sfnt::putU16(font, static_cast<std::uint16_t>(numTables * 16 - searchRange));

    std::map<std::string, std::uint32_t> sums;
    std::size_t offset = 12 + 16u * numTables;
    offsets.clear();
    for (auto& [tag, data] : tables) {
        if (tag == "head") sfnt::setU32(data, 8, 0);  // checkSumAdjustment counts as 0 in the sums
        sums[tag] = checksum(data);
        offsets[tag] = offset;
        offset += padded(data.size());
    }
    sums["glyf"] = glyfChecksum;
    offsets["glyf"] = offset;
    std::uint32_t total = 0;
    for (const auto& [tag, sum] : sums) {
        std::size_t size = tag == "glyf" ? glyfSize : tables.at(tag).size();
        font.append(tag);
        sfnt::putU32(font, sum);
        sfnt::putU32(font, static_cast<std::uint32_t>(offsets[tag]));
        sfnt::putU32(font, static_cast<std::uint32_t>(size));
        total += sum;
    }
    total += checksum(font);
    std::size_t headOffset = offsets.at("head");
    for (const auto& [tag, data] : tables) {
        font.append(data);
        font.resize(padded(font.size()), '\0');
    }
    sfnt::setU32(font, headOffset + 8, 0xB1B0AFBA - total);
    return font;
}

void copyIfPresent(const FontFile& font, const std::string& tag, std::map<std::string, std::string>& tables) {
    std::string_view data = font.table(tag);
    if (!data.empty()) tables[tag] = std::string(data);
}

}  // namespace

common::Result<std::shared_ptr<const GlyphPrefix>> buildGlyphPrefix(const FontFile& font,
                                                                    std::vector<std::uint16_t> glyphs, int level) {
    auto prefix = std::make_shared<GlyphPrefix>();
    Status status = closeOverComponents(font, glyphs, 0, prefix->ids, nullptr);
    if (!status) return status;
    status = appendGlyphs(font, glyphs, 0, prefix->ids, nullptr, 0, prefix->glyf, prefix->loca);
    if (!status) return status;
    appendHmtx(font, glyphs, 0, prefix->hmtx);
    prefix->glyfChecksum = checksum(prefix->glyf);
    prefix->compressed = deflatePiece(prefix->glyf, level);
    prefix->hmtxCompressed = deflatePiece(prefix->hmtx, level);
    std::string loca;
    loca.reserve(4 * prefix->loca.size());
    for (std::uint32_t offset : prefix->loca) sfnt::putU32(loca, offset);
    prefix->locaCompressed = deflatePiece(loca, level);
    prefix->glyphs = std::move(glyphs);
    return std::shared_ptr<const GlyphPrefix>(std::move(prefix));
}

common::Result<TrueTypeSubset> buildTrueTypeSubset(const FontFile& font, std::shared_ptr<const GlyphPrefix> prefix,
                                                   const std::vector<std::uint16_t>& glyphs) {
    TrueTypeSubset subset;
    subset.glyphs = prefix->glyphs;
    std::size_t first = subset.glyphs.size();
    subset.glyphs.insert(subset.glyphs.end(), glyphs.begin(), glyphs.end());
    GlyphMap ids;  // the glyphs after the prefix
    Status status = closeOverComponents(font, subset.glyphs, first, ids, &prefix->ids);
    if (!status) return status;
    std::vector<std::uint32_t> loca = prefix->loca;
    auto base = static_cast<std::uint32_t>(prefix->glyf.size());
    status = appendGlyphs(font, subset.glyphs, first, ids, &prefix->ids, base, subset.glyf, loca);
    if (!status) return status;
    loca.push_back(base + static_cast<std::uint32_t>(subset.glyf.size()));
    auto count = static_cast<std::uint16_t>(subset.glyphs.size());

    std::map<std::string, std::string> tables;
    std::string& locaTable = tables["loca"];
    locaTable.reserve(4 * loca.size());
    for (std::uint32_t offset : loca) sfnt::putU32(locaTable, offset);
    tables["hmtx"] = prefix->hmtx;
    appendHmtx(font, subset.glyphs, first, tables["hmtx"]);
    tables["head"] = std::string(font.table("head"));
    sfnt::setU16(tables["head"], 50, 1);  // long loca offsets
    tables["hhea"] = std::string(font.table("hhea"));
    sfnt::setU16(tables["hhea"], 34, count);  // every glyph gets a full hmtx entry
    tables["maxp"] = std::string(font.table("maxp"));
    sfnt::setU16(tables["maxp"], 4, count);
    if (tables["maxp"].size() >= 32) {
        // Version 1.0 limits for the instructions that are gone: twilight
        // points, storage, function and instruction defs, stack, size.
        for (std::size_t offset = 16; offset <= 26; offset += 2) sfnt::setU16(tables["maxp"], offset, 0);
    }
    // Glyph names would only bloat the file: post format 3 has none.
    if (font.table("post").size() >= 32) {
        tables["post"] = std::string(font.table("post").substr(0, 32));
        sfnt::setU32(tables["post"], 0, 0x00030000);
    }
    // No cvt, fpgm or prep: they only serve the instructions removed above.
    copyIfPresent(font, "OS/2", tables);
    std::map<std::string, std::size_t> offsets;
    subset.front = assembleFront(tables, prefix->glyf.size() + subset.glyf.size(),
                                 prefix->glyfChecksum + checksum(subset.glyf), offsets);
    subset.prefixHmtxAt = offsets.at("hmtx");
    subset.prefixLocaAt = offsets.at("loca");
    subset.prefix = std::move(prefix);
    return subset;
}

common::Result<std::string> buildTrueTypeSubset(const FontFile& font, std::vector<std::uint16_t>& glyphs) {
    auto prefix = buildGlyphPrefix(font, glyphs, 1);
    if (!prefix) return prefix.status();
    auto subset = buildTrueTypeSubset(font, prefix.value(), {});
    if (!subset) return subset.status();
    glyphs = subset->glyphs;
    return subset->bytes();
}

std::string TrueTypeSubset::bytes() const { return front + prefix->glyf + glyf; }

std::string TrueTypeSubset::compressed(int level, int glyfLevel) const {
    // front: ... | prefix hmtx | own hmtx ... | prefix loca | own loca ...
    const std::string_view all(front);
    const std::size_t ownHmtxAt = prefixHmtxAt + prefix->hmtxCompressed.length;
    const std::size_t ownLocaAt = prefixLocaAt + prefix->locaCompressed.length;
    DeflatePiece head = deflatePiece(all.substr(0, prefixHmtxAt), level);
    DeflatePiece middle = deflatePiece(all.substr(ownHmtxAt, prefixLocaAt - ownHmtxAt), level);
    DeflatePiece end = deflatePiece(all.substr(ownLocaAt), level);
    DeflatePiece tail = deflatePiece(glyf, glyfLevel);
    return joinPieces({&head, &prefix->hmtxCompressed, &middle, &prefix->locaCompressed, &end, &prefix->compressed,
                       &tail});
}

}  // namespace render
