// Reads the cells of an .xlsx workbook sent back by a user: the package is
// opened with Poco::Zip and each part is read with the Poco SAX parser, never
// built into a DOM. The bytes are untrusted: every part is size-checked while
// it inflates (a zip bomb stops at the limit, without ever holding more than
// the limit), DTDs and entities are refused, and formulas are never evaluated
// (a formula cell is reported as such, with its cached value). Knows nothing
// of sheets or fields (see sheet_import.h). Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/status.h"

namespace xlsx_import {

// Limits on one workbook; defaults fit a Renkei form many times over.
struct ReadLimits {
    size_t maxParts = 256;                              // entries in the package
    std::uint64_t maxPartCompressedBytes = 4u << 20;    // per entry, as stored
    std::uint64_t maxPartBytes = 8u << 20;              // per entry, inflated
    std::uint64_t maxTotalBytes = 32u << 20;            // all entries read, inflated
    size_t maxCellsPerSheet = 200000;
};

enum class CellType { Text, Number, Bool, Error };

struct CellValue {
    CellType type = CellType::Text;
    std::string text;     // Text: the string (shared or inline); Error: "#N/A" etc.; Number: as written
    double number = 0;    // Number; Bool: 0 or 1
    bool formula = false; // the cell holds a formula: its value is only the cached result
};

// A cell position, 0-based.
struct CellRef {
    std::string sheet;  // worksheet name as shown on its tab
    int row = 0;
    int col = 0;
};

// "'1枚目'!$B$3": the absolute reference of a cell, sheet quoted.
std::string formatCellRef(const CellRef& ref);

struct Workbook {
    bool date1904 = false;  // workbookPr date1904: serials count from 1904-01-01
    std::map<std::string, std::string> customProperties;  // docProps/custom.xml, text values
    // Workbook-scoped defined names, lower-cased (Excel ignores case), each
    // the first cell of its reference. Names that point nowhere are left out.
    std::map<std::string, CellRef> names;
    // Workbook-scoped defined names whose value is a text constant ("…"),
    // lower-cased, with the text.
    std::map<std::string, std::string> constants;
    // The cells with a value of every worksheet a name points into, by sheet
    // name then (row, col). Empty cells are absent.
    std::map<std::string, std::map<std::pair<int, int>, CellValue>> cells;

    const CellValue* cell(const CellRef& ref) const;
};

// Reads the workbook. Failure: InvalidArgument with one FieldError on
// "workbook" whose code says why: not_xlsx (not a zip, or no workbook
// part), too_many_parts, part_too_large (compressed or inflated past the
// limit), unsupported_compression (encrypted or not deflate/stored),
// broken_part (bad XML, a DTD or entity, a bad cell), and a Japanese message.
common::Result<Workbook> readWorkbook(const std::string& bytes, const ReadLimits& limits = ReadLimits());

}  // namespace xlsx_import
