#include "http/document_service.h"

#include "form/validator.h"
#include "layout/layout_builder.h"

namespace http {

DocumentService::DocumentService(std::shared_ptr<const form::TemplateRegistry> templates,
                                 std::shared_ptr<const render::FontMetrics> fonts, render::XlsxOptions xlsx)
    : templates_(std::move(templates)), fonts_(fonts), pdf_(fonts), xlsx_(std::move(xlsx)) {}

common::Result<form::FormData> DocumentService::validate(const std::string& sheetId,
                                                         const Poco::JSON::Object::Ptr& fields,
                                                         const std::string& pathPrefix) const {
    const form::SheetTemplate* sheet = templates_->find(sheetId);
    if (!sheet) return common::Status::notFound("帳票「" + sheetId + "」はありません。");
    return form::validateFields(*sheet, fields, pathPrefix);
}

common::Result<RenderedDocument> DocumentService::render(const form::SheetTemplate& sheet, const form::FormData& data,
                                                         Format format, const std::string& documentId,
                                                         const std::string& createdIso) const {
    layout::BuildOptions options;
    options.documentId = documentId;
    options.createdIso = createdIso;
    layout::Document doc = layout::buildDocument(sheet, data, *fonts_, options);
    RenderedDocument out;
    out.warnings = doc.warnings;
    if (format == Format::Pdf) {
        auto bytes = pdf_.render(doc);
        if (!bytes) return bytes.status();
        out.bytes = std::move(bytes.value());
        out.pageCount = static_cast<int>(doc.pages.size());
    } else {
        auto bytes = render::renderXlsx(doc, xlsx_);
        if (!bytes) return bytes.status();
        out.bytes = std::move(bytes.value());
        for (const auto& p : doc.pages) out.pageCount += p.continuation ? 0 : 1;
    }
    return out;
}

}  // namespace http
