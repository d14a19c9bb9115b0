// Shared by the import tests: the service (templates, fonts, renderers)
// loaded once, and a comparison of two sets of validated fields. Test-only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/document_service.h"
#include "form/form_data.h"
#include "form/sheet_template.h"
#include "form/template_registry.h"

namespace xlsx_import_test {

struct Env {
    std::shared_ptr<const form::TemplateRegistry> templates;
    std::shared_ptr<const render::FontMetrics> fonts;
    std::unique_ptr<app::DocumentService> service;

    static Env& get();
    // The filled workbook of data, as a job renders it.
    std::string renderXlsx(const form::SheetTemplate& sheet, const form::FormData& data) const;
};

// "" when both hold the same fields; otherwise the first difference. Derived
// fields are left out (the server computes them), and a bool false is the same
// as no answer (both print □).
std::string sameFields(const form::SheetTemplate& sheet, const form::FormData& a, const form::FormData& b);

// Every part of a zip, in order, inflated (Poco::Zip).
std::vector<std::pair<std::string, std::string>> unzipAll(const std::string& zip);
// A zip of the parts, deflated (Poco::Zip::Compress).
std::string zipAll(const std::vector<std::pair<std::string, std::string>>& parts);
// The workbook with one part replaced (or added).
std::string withPart(const std::string& xlsx, const std::string& name, const std::string& content);
std::string part(const std::string& xlsx, const std::string& name);

// The workbook with the cell a defined name points to replaced by cellXml's
// inside: e.g. setCell(x, "doc_date", "t=\"inlineStr\"><is><t>令和7年4月1日</t></is>")
// writes <c r="…" t="inlineStr"><is>…</is></c>. The workbook must be as the
// renderer writes it (sheet N of workbook.xml in xl/worksheets/sheetN.xml).
std::string setCell(const std::string& xlsx, const std::string& definedName, const std::string& cellXml);
std::string setText(const std::string& xlsx, const std::string& definedName, const std::string& text);
// The same text as a shared string (t="s"), as openpyxl and Excel write it.
std::string setSharedText(const std::string& xlsx, const std::string& definedName, const std::string& text);

}  // namespace xlsx_import_test
