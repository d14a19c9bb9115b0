// What ties a Renkei workbook to its template, shared by the XLSX renderer
// and the import (xlsx_import/): the defined name of each entry cell and the
// custom document properties that carry the sheet id and template version.
// Pure functions; thread-safe.
#pragma once

#include <string>

namespace render {

// Custom document properties (docProps/custom.xml) of every workbook, and
// workbook defined names of the same names whose value is the same text as a
// constant (RenkeiSheetId = "admission-info"): a program that drops custom
// properties when it saves (openpyxl before 3.1) keeps defined names.
inline constexpr const char* kSheetIdProperty = "RenkeiSheetId";
inline constexpr const char* kTemplateVersionProperty = "RenkeiTemplateVersion";

// The defined name for an entry name (form::entryName). Keys are ASCII
// snake_case and normally used as they are. Characters Excel does not allow
// in a name become '_', and a name that would start with a digit or read as
// a cell reference gets a leading '_' ("tel1" -> "_tel1"), so every entry
// cell can still be found. Never empty for a non-empty key.
std::string definedNameFor(const std::string& key);

// The name of the hidden cell that holds the whole text of an entry whose
// box shows 別紙参照 (its text continues on a 別紙 worksheet).
std::string continuedNameFor(const std::string& definedName);

// The name of the n-th cell (n >= 2) of an entry shown more than once.
std::string copyNameFor(const std::string& definedName, int n);

}  // namespace render
