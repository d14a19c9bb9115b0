// Jobs sent as workbooks (issue 17): a job request may give a document's
// "workbook" (the .xlsx in base64) in place of its "fields". The workbook is
// imported (xlsx_import/sheet_import.h) and its fields take the workbook's
// place, so that the rest of the intake sees an ordinary request and the job
// stores the fields it was made from. Pure function; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include "common/status.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "xlsx_import/workbook_reader.h"

namespace app {

// Returns body itself when no document has a workbook, otherwise a copy in
// which each {"sheet", "workbook"} became {"sheet", "fields"}. Refuses with
// InvalidArgument listing every problem: "workbook" given with "fields"
// (conflict), not a base64 string (wrong_type), a workbook the import
// refuses (its code, on "<prefix>workbook"), or one whose fields do not pass
// validation (each problem on its field path, the message naming the cell
// and its defined name). An unknown sheet is left for the request parser.
common::Result<Poco::JSON::Object::Ptr> withImportedWorkbooks(const Poco::JSON::Object::Ptr& body,
                                                              const form::TemplateRegistry& templates,
                                                              const xlsx_import::ReadLimits& limits);

// The import limits the settings give (xlsx.importMax*).
xlsx_import::ReadLimits workbookLimits(const config::Settings& settings);

}  // namespace app
