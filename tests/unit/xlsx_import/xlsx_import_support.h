// Shared by the import tests: the service (templates, fonts, renderers)
// loaded once, and a comparison of two sets of validated fields. Test-only.
#pragma once

#include <memory>
#include <string>

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

}  // namespace xlsx_import_test
