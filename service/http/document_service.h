// DocumentService: validation and rendering of one sheet, shared by the
// render route and the job pipeline. Holds the templates, the fonts and the
// renderers, all loaded once at start; render() is safe from many threads.
#pragma once

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "form/form_data.h"
#include "form/template_registry.h"
#include "render/font_metrics.h"
#include "render/pdf_renderer.h"
#include "render/xlsx_renderer.h"

namespace http {

struct RenderedDocument {
    std::string bytes;
    int pageCount = 0;
    std::vector<std::string> warnings;  // e.g. "glyph_substituted: pt_name U+1F600"
};

enum class Format { Pdf, Xlsx };

class DocumentService {
public:
    DocumentService(std::shared_ptr<const form::TemplateRegistry> templates,
                    std::shared_ptr<const render::FontMetrics> fonts, render::XlsxOptions xlsx);

    const form::TemplateRegistry& templates() const { return *templates_; }

    // Validates fields for the sheet. NotFound for an unknown sheet id,
    // InvalidArgument with every field error otherwise.
    common::Result<form::FormData> validate(const std::string& sheetId, const Poco::JSON::Object::Ptr& fields,
                                            const std::string& pathPrefix = "fields") const;

    // Renders validated data. documentId and createdIso come from the job so
    // the same job always gives the same bytes.
    common::Result<RenderedDocument> render(const form::SheetTemplate& sheet, const form::FormData& data,
                                            Format format, const std::string& documentId,
                                            const std::string& createdIso) const;

private:
    std::shared_ptr<const form::TemplateRegistry> templates_;
    std::shared_ptr<const render::FontMetrics> fonts_;
    render::PdfRenderer pdf_;
    render::XlsxOptions xlsx_;
};

}  // namespace http
