// Sheet templates: the declarative description of one form sheet (帳票),
// loaded from templates/<id>/template.json. A template holds the field schema
// (keys, types, options, requirements, as in ../shared/domain/sheets.md) and
// the page layout (a grid in mm with label and entry cells). Immutable once
// loaded; safe to share between threads. Format: templates/README.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace form {

enum class FieldType { Text, MText, Date, DateTime, Time, Number, Enum, Multi, Bool, Phone, Table, Derived };

std::string fieldTypeName(FieldType type);

struct FieldSpec;

// "required when": the field `field` is present (anyOf empty) or has one of anyOf
// (for multi fields: contains one of them).
struct Condition {
    std::string field;
    std::vector<std::string> anyOf;
};


// One choice of an enum or multi field. A choice with a note takes a bracket
// text 「( )」 whose value is the field noteKey.
struct OptionSpec {
    std::string value;    // ascii value sent in JSON
    std::string label;    // printed label
    std::string noteKey;  // non-empty: this option carries a note field
    std::string noteFormat;  // how the note prints after the label, "{}" = note; default "({})"
    std::vector<Condition> onlyWhen;  // the option may be chosen only if one of these holds
};

struct FieldSpec {
    std::string key;
    std::string label;
    std::string section;
    FieldType type = FieldType::Text;
    bool required = false;
    std::vector<Condition> requiredWhen;  // required if any condition holds
    int designLength = 0;  // characters the box is designed for (sheets.md n)
    int designLines = 1;   // printed lines (sheets.md L)
    int maxLength = 0;     // hard cap on input; longer text is rejected
    std::optional<long long> min;
    std::optional<long long> max;
    std::string charset;   // "", "digits", "katakana"
    int digits = 0;        // > 0: exactly this many half-width digits (implies charset "digits")
    std::vector<OptionSpec> options;  // enum, multi
    std::string exclusive;            // multi: option that excludes all others (e.g. "none")
    std::vector<FieldSpec> columns;   // table: one spec per column
    int maxRows = 0;                  // table
    std::string derive;               // derived: "age", "initials", "municipality"
    std::vector<std::string> deriveFrom;
    bool isNote = false;              // generated from an option's note
    bool printed = true;              // false: stored and validated, not printed (PROP items)
    bool mustBeTrue = false;          // bool: false is refused (e.g. consent obtained)
    // Identifies the patient or reaches the family (rules.md §4.1): every cell
    // bound to it needs a "masked" rule. Set by "personal": true or by the key
    // (kPersonalKeys).
    bool personal = false;

    const OptionSpec* option(const std::string& value) const;
};

// The patient's name and フリガナ: the name that a fax rendering masks
// wherever it occurs (layout::NameMask).
inline constexpr const char* kPatientNameKey = "pt_name";
inline constexpr const char* kPatientKanaKey = "pt_kana";
// Keys that are personal on every sheet (sheets.md section P and S1-2): the
// patient's name, kana, birth date, postal code, address, phone and insured
// numbers, and the family members' phone numbers. A template marks any other
// personal field with "personal": true.
inline constexpr const char* kPersonalKeys[] = {
    "pt_name", "pt_kana", "pt_birth_date", "pt_postal", "pt_address", "pt_phone",
    "pt_insured_no", "pt_insurer_no", "main_carer_phone", "key_person_phone"};

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Bottom };

struct CellSpec {
    int row = 0;
    int col = 0;
    int rowSpan = 1;
    int colSpan = 1;
    std::string text;       // static label (may hold '\n')
    std::string field;      // bound field key
    std::string format;     // see templates/README.md ("wareki", "checks", ...)
    std::string option;     // with format "check": the option this box stands for
    std::string prefix;     // printed before a non-empty value
    std::string suffix;     // printed after a non-empty value
    std::string placeholder;  // printed when the field is empty
    int item = -1;          // table fields: the row this cell shows (0-based)
    std::string column;     // table fields: the column key this cell shows
    // On a masked (fax) rendering: print this field instead ("" = print nothing).
    bool hasMask = false;
    std::string masked;
    double fontSizePt = 0;  // 0: the template default
    HAlign hAlign = HAlign::Left;
    VAlign vAlign = VAlign::Middle;
    std::string border = "all";  // "all", "none", or letters of t r b l
    bool label = false;          // a label cell (shaded in nothing, locked in XLSX)
};

struct RuleSpec {
    double x1Mm = 0, y1Mm = 0, x2Mm = 0, y2Mm = 0;  // relative to the page's grid origin
    double widthPt = 0.5;
    bool dashed = false;
};

struct PageSpec {
    std::string name;
    std::string onlyWhen;  // non-empty: the page prints only when this field has a value
    std::vector<double> rowHeightsMm;
    std::vector<CellSpec> cells;
    std::vector<RuleSpec> rules;
};

struct SheetTemplate {
    std::string id;
    std::string title;
    std::string version;
    double pageWidthMm = 210;
    double pageHeightMm = 297;
    double marginMm = 12;
    std::vector<double> columnWidthsMm;
    double fontSizePt = 9;
    double minFontSizePt = 7;
    std::vector<FieldSpec> fields;  // declared order, note fields after their owner
    std::vector<PageSpec> pages;

    const FieldSpec* field(const std::string& key) const;
};

// Parses and checks a template. Every cell must sit inside its page's grid,
// bind a known field, and every row stack must fit the page; a cell bound to
// a personal field must say how it is masked, by a stand-in that is not
// personal itself or by "". Returns InvalidArgument naming the template file
// and the first problem found.
common::Result<SheetTemplate> parseTemplate(const std::string& json, const std::string& sourceName);
common::Result<SheetTemplate> loadTemplate(const std::string& path);

}  // namespace form
