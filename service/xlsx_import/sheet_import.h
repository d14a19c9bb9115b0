// Import of a workbook sent back by a user: the cells a Renkei workbook names
// (render/workbook_names.h) are read back into the "fields" JSON a job takes,
// and checked with the same validator, every problem naming its cell. Each
// entry cell is read as the workbook shows it: ■/□ boxes, option labels with
// their bracket notes, 和暦 or ISO dates and date serials (1900 or 1904
// system), numbers, text without its decorations (〒, 様, units). Pure
// function; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "form/sheet_template.h"
#include "xlsx_import/workbook_reader.h"

namespace xlsx_import {

// One problem with the imported workbook: the field path as the validator
// gives it ("fields.pt_name", "fields.conf[0].place"), a stable English
// code, the Japanese message, and where it is: the cell ("'1枚目'!$B$3", ""
// when the field has no cell), its defined name and the field's label.
struct ImportProblem {
    std::string field;
    std::string code;
    std::string message;
    std::string cell;
    std::string name;
    std::string label;
};

struct ImportResult {
    Poco::JSON::Object::Ptr fields;       // what the workbook holds, as a job's "fields"
    std::vector<ImportProblem> problems;  // empty: the fields pass validation as they are
};

// Reads bytes as a workbook of `sheet`. Refuses (InvalidArgument with one
// FieldError on "workbook") a workbook that cannot be read (codes of
// readWorkbook), one not made by Renkei (not_renkei_workbook), one of another
// sheet (wrong_sheet) or of another template version (wrong_template_version).
// Otherwise returns the fields and every problem, cell problems first:
// formula (a cell holds a formula; it is never evaluated and its value is not
// taken), cell_error (#N/A and the like), too_many_choices (more than one box
// ticked for a single answer), then the validator's (form/validator.h).
common::Result<ImportResult> importWorkbook(const form::SheetTemplate& sheet, const std::string& bytes,
                                            const ReadLimits& limits = ReadLimits());

// The problems as field errors, each message followed by where it is
// (「記入日」(セル '1枚目'!$B$3, 名前 doc_date)), for a job that refuses them.
std::vector<common::FieldError> toFieldErrors(const std::vector<ImportProblem>& problems);

}  // namespace xlsx_import
