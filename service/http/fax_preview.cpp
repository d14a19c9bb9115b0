#include "http/fax_preview.h"

#include "app/sender_block.h"
#include "layout/layout_builder.h"
#include "render/pdf_inspect.h"

namespace http {
namespace {

using Poco::JSON::Object;


// A preview is no job: its id is fixed, like the render route's.
const char* const kPreviewId = "00000000000000000000000000000000";

}  // namespace

common::Result<app::RenderedDocument> renderFaxPreview(const app::DocumentService& documents,
                                                  const partners::PartnerDirectory& directory,
                                                  const offices::Office& sender,
                                                  const app::JobLimits& limits, const std::string& sheetId,
                                                  const std::string& partnerId, const Object::Ptr& body,
                                                  const std::string& sentAtIso) {
    std::vector<common::FieldError> errors;
    for (const auto& [key, value] : *body)
        if (key != "fields" && key != "cover" && key != "attachments" && key != "patient_ref")
            errors.push_back({key, "unknown_field", "「" + key + "」は指定できない項目です。"});
    if (!errors.empty()) return common::Status::invalidArgument("invalid request", errors);
    Object::Ptr job = new Object;
    for (const auto& [key, value] : *body) job->set(key, value);
    job->set("sheet", sheetId);
    Object::Ptr delivery = new Object;
    delivery->set("channel", "fax");
    delivery->set("partner", partnerId);
    job->set("delivery", delivery);
    app::JobLimits directoryOnly = limits;
    directoryOnly.allowAdHocFaxNumbers = false;
    auto filled = app::withSenderBlock(job, documents.templates(), sender);
    if (!filled) return filled.status();
    auto request = app::parseJobRequest(filled.value(), documents, directory, directoryOnly);
    if (!request) return request.status();

    // As JobService::renderJob: every patient of the fax is masked on every page, the cover included.
    const layout::MaskMode mask = app::layoutMask(request->mask);
    std::vector<layout::PersonName> patients;
    for (const auto& d : request->documents) patients.push_back(layout::patientName(d.data));
    std::vector<layout::Document> docs;
    int sheetPages = 0;
    for (const auto& d : request->documents) {
        layout::BuildOptions options;
        options.documentId = kPreviewId;
        options.createdIso = sentAtIso;
        options.mask = mask;
        options.maskNames = patients;
        docs.push_back(documents.layout(*d.sheet, d.data, options));
        sheetPages += static_cast<int>(docs.back().pages.size());
    }
    std::vector<std::string> attachments;
    int attachmentPages = 0;
    for (const auto& a : request->attachments) {
        attachments.push_back(a.bytes);
        attachmentPages += a.pages;
    }
    const form::SheetTemplate* coverSheet = request->coverSheet;
    if (!coverSheet) return common::Status::internal("no fax cover template (one with \"cover\") is loaded");
    int coverPages = 1;
    layout::Document cover;
    for (int pass = 0; pass < 2; ++pass) {  // a long message may give the cover a 別紙 page
        auto fields = app::coverFields(request.value(), sentAtIso, coverPages + sheetPages + attachmentPages);
        app::setCoverSender(*fields, sender);
        auto data = documents.validate(coverSheet->id, fields, "cover");
        if (!data) return data.status();
        layout::BuildOptions options;
        options.documentId = kPreviewId;
        options.createdIso = sentAtIso;
        options.mask = mask;
        options.maskNames = patients;
        cover = documents.layout(*coverSheet, data.value(), options);
        if (static_cast<int>(cover.pages.size()) == coverPages) break;
        coverPages = static_cast<int>(cover.pages.size());
    }
    docs.insert(docs.begin(), cover);
    auto fax = documents.render(docs, app::Format::Pdf);
    if (!fax) return fax.status();
    if (attachments.empty()) return fax;
    auto joined = render::appendPdfs(fax->bytes, attachments);
    if (!joined) return joined.status();
    fax->bytes = std::move(joined.value());
    fax->pageCount += attachmentPages;
    return fax;
}

}  // namespace http
