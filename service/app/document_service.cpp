#include "app/document_service.h"

#include <optional>

#include "form/validator.h"
#include "layout/layout_builder.h"
#include "ops/metrics.h"

namespace app {

DocumentService::DocumentService(std::shared_ptr<const form::TemplateRegistry> templates,
                                 std::shared_ptr<const render::FontMetrics> fonts, render::XlsxOptions xlsx,
                                 RenderLimits limits)
    : templates_(std::move(templates)),
      fonts_(fonts),
      pdf_(fonts),
      xlsx_(std::move(xlsx)),
      pool_(limits.workers, limits.queue, "描画") {}

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
    // Layout and rendering are the CPU work; the turn covers both.
    auto turn = pool_.acquire();
    if (!turn) return turn.status();
    layout::BuildOptions options;
    options.documentId = documentId;
    options.createdIso = createdIso;
    options.sheetParts = format == Format::Xlsx;
    std::vector<layout::Document> docs;
    docs.push_back(layout(sheet, data, options));
    return render(docs, format);
}

common::Result<RenderedDocument> DocumentService::renderBlankWorkbook(const form::SheetTemplate& sheet) const {
    auto turn = pool_.acquire();
    if (!turn) return turn.status();
    layout::BuildOptions options;
    options.documentId = "00000000000000000000000000000000";
    options.createdIso = "2000-01-01T00:00:00+09:00";
    options.everyPage = true;
    options.sheetParts = true;
    std::vector<layout::Document> docs;
    docs.push_back(layout(sheet, form::FormData(), options));
    return render(docs, Format::Xlsx);
}

layout::Document DocumentService::layout(const form::SheetTemplate& sheet, const form::FormData& data,
                                         const layout::BuildOptions& options) const {
    return layout::buildDocument(sheet, data, *fonts_, options);
}

common::Result<RenderedDocument> DocumentService::render(const std::vector<layout::Document>& docs,
                                                         Format format) const {
    if (docs.empty()) return common::Status::internal("nothing to render");
    ops::Timer timed(ops::serviceMetrics().renderSeconds.labels(
        {docs.front().sheetId, format == Format::Pdf ? "pdf" : "xlsx"}));
    // Free when this thread already holds a turn (render(sheet, ...) above).
    auto turn = pool_.acquire();
    if (!turn) return turn.status();
    // One document, the usual case, is rendered as it is; several are
    // combined into a copy (worksheet names must be unique across them).
    std::optional<layout::Document> combined;
    if (docs.size() > 1) {
        combined = docs.front();
        for (size_t i = 1; i < docs.size(); ++i) {
            combined->pages.insert(combined->pages.end(), docs[i].pages.begin(), docs[i].pages.end());
            combined->warnings.insert(combined->warnings.end(), docs[i].warnings.begin(), docs[i].warnings.end());
        }
        if (format == Format::Xlsx) {
            for (size_t i = 0; i < combined->pages.size(); ++i)
                combined->pages[i].name = std::to_string(i + 1) + "_" + combined->pages[i].name;
        }
    }
    const layout::Document& doc = combined ? *combined : docs.front();
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

}  // namespace app
