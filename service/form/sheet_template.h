// Sheet templates: the declarative description of one form sheet (帳票),
// loaded from templates/<id>/template.json. A template holds the field schema
// (keys, types, options, requirements, as in ../shared/domain/sheets.md) and
// the page layout (a grid in mm with label and entry cells). Immutable once
// loaded; safe to share between threads. Format: templates/README.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
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

// The name of the entry a cell shows, the same in every rendering of the
// template: the field key, "<key>.<option>" for a box that stands for one
// option, "<key>.<row 1-based>.<column>" for a table cell. fieldKey is the
// field the cell prints (cell.field, or its masked stand-in). The workbook
// gives each entry cell this name (render/workbook_names.h) and the import
// finds the cells by it.
std::string entryName(const CellSpec& cell, const std::string& fieldKey);

// The workbook shows a row of ■/□ boxes (format checks or check) as one cell
// per box, each with its option's label and note beside it. The entry of
// option's box: "<entry>.<option>" for a row of boxes, the cell's own entry
// for a check cell (which stands for that option alone).
std::string boxEntryName(const CellSpec& cell, const std::string& fieldKey, const std::string& option);
// The entry of the note cell beside an option's box: "<box entry>.note".
std::string noteEntryName(const CellSpec& cell, const std::string& fieldKey, const std::string& option);

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

// How the FAX送付状 lists a sheet in its 送付書類 box (template key
// "faxCover"): `document` is a value of the cover's `documents` option; with
// the cover's "other" option, `note` is the name printed in its bracket
// (その他(連絡メモ)). Checked against the cover by TemplateRegistry.
struct FaxCoverEntry {
    std::string document;
    std::string note;  // "" or up to kMaxCoverNoteChars characters
};
inline constexpr int kMaxCoverNoteChars = 20;

// What the cover sheet (the template with the key "cover") is filled with,
// by app::coverFields(). Each key is a field of the cover sheet:
// - requestOptions: the keys a job request may set as "cover.<key>" (strings);
//   a given one replaces the default;
// - defaults: values set before the request's options;
// - fromDocument: copied from the job's first document (the sender);
// - recipientFromDocument: copied from the first document when the fax number
//   is not from the partner directory (the recipient's name and department);
// - patientLabelField is filled, when the request leaves it empty, with the
//   first document's patientLabelFrom (its FAX用氏名表記, never the name);
// - otherDocument: the `documents` option for attachments and for sheets
//   listed with a note; its note field takes those names.
// The server itself fills the keys kCoverServerKeys.
struct CoverSpec {
    std::vector<std::string> requestOptions;
    std::vector<std::pair<std::string, std::string>> defaults;
    std::vector<std::string> fromDocument;
    std::vector<std::string> recipientFromDocument;
    std::string patientLabelField;
    std::string patientLabelFrom;
    std::string otherDocument;
};
// The cover fields the server fills from the job itself: when it is sent, to
// whom (the partner directory entry or the number), the documents and the
// page count. A cover template must have each, of this type.
inline constexpr std::pair<const char*, FieldType> kCoverServerKeys[] = {
    {"sent_at", FieldType::DateTime},          {"recipient_institution", FieldType::Text},
    {"recipient_department", FieldType::Text}, {"recipient_person", FieldType::Text},
    {"recipient_fax", FieldType::Phone},       {"recipient_phone", FieldType::Phone},
    {"documents", FieldType::Multi},           {"total_pages", FieldType::Number}};
inline constexpr const char* kCoverDocumentsKey = "documents";

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
    std::optional<FaxCoverEntry> faxCover;  // every sheet but the cover
    std::optional<CoverSpec> cover;         // the FAX送付状 only

    const FieldSpec* field(const std::string& key) const;
};

// Parses and checks a template, strictly: every member must be one this
// format knows (templates/README.md), of its type and meaningful where it
// stands (no "options" on a text field, no "format" a field's type cannot
// print); keys are unique in each object; derivations, formats, types and
// every field a cell, condition, page or cover names must exist. Every cell
// must sit inside its page's grid without overlapping another, and every row
// stack must fit the page; a cell bound to a personal field must say how it
// is masked, by a stand-in that is not personal itself or by "".
// On failure: InvalidArgument listing every problem found, one per line as
// "<sourceName>: <JSON path>: <what>" (e.g. "fields[12].derive: unknown
// derivation 'fooBar'"); fieldErrors() holds the same problems with the JSON
// path as `field` and a stable code (unknown_key, unknown_derivation, ...).
common::Result<SheetTemplate> parseTemplate(const std::string& json, const std::string& sourceName);
common::Result<SheetTemplate> loadTemplate(const std::string& path);

}  // namespace form
