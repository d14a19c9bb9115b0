#include "app/job_composer.h"

#include "app/sender_block.h"

#include "app/job_records.h"
#include "render/pdf_inspect.h"

namespace app {
namespace {

using common::Status;
using Poco::JSON::Object;


}  // namespace

std::vector<jobs::FrozenDocument> RenderedJob::takeCopies() {
    std::vector<jobs::FrozenDocument> copies;
    copies.push_back({"pdf", std::move(pdf)});
    return copies;
}

JobComposer::JobComposer(const DocumentService& documents, jobs::JobStore& store,
                         const partners::PartnerRegistry& partners, const offices::OfficeRegistry& offices,
                         const common::Clock& clock, JobLimits limits)
    : documents_(documents), store_(store), partners_(partners), offices_(offices), clock_(clock), limits_(limits) {}

common::Result<JobRequest> JobComposer::requestOf(const jobs::Job& job) const {
    Object::Ptr body;
    try {
        body = parseObject(job.requestJson);
    } catch (const Poco::Exception& e) {
        return Status::internal("job " + job.id + ": stored request unreadable: " + e.displayText());
    }
    auto request = parseJobRequest(body, documents_, *partners_.current(), limits_);
    if (!request)
        return Status::internal("job " + job.id + ": stored request no longer valid: " + request.status().message());
    return request;
}

common::Result<RenderedJob> JobComposer::render(const jobs::Job& job, const JobRequest& request,
                                                const std::string& sentAtIso) const {
    RenderedJob out;
    // A masked fax hides every patient of the fax on every page, the cover included.
    std::vector<layout::PersonName> patients;
    for (const auto& d : request.documents) patients.push_back(layout::patientName(d.data));
    auto layouts = [&](layout::MaskMode mask) {
        std::vector<layout::Document> docs;
        for (const auto& d : request.documents) {
            layout::BuildOptions options;
            options.replyRef = job.replyRef;
            options.codeDocument = static_cast<int>(docs.size()) + 1;
            options.documentId = job.id;
            options.createdIso = job.createdAt;
            options.mask = mask;
            options.maskNames = patients;
            docs.push_back(documents_.layout(*d.sheet, d.data, options));
        }
        return docs;
    };
    std::vector<std::string> attachments;
    int attachmentPages = 0;
    for (const auto& a : request.attachments) {
        attachments.push_back(a.bytes);
        attachmentPages += a.pages;
    }
    auto full = documents_.render(layouts(layout::MaskMode::None), Format::Pdf);
    if (!full) return full.status();
    auto pdf = render::appendPdfs(full->bytes, attachments);
    if (!pdf) return pdf.status();
    out.pdf = std::move(pdf.value());
    out.warnings = full->warnings;
    out.pageCount = full->pageCount + attachmentPages;
    if (job.channel != jobs::Channel::Fax) return out;

    // The fax: a cover with the total page count, then the masked sheets.
    std::vector<layout::Document> masked = layouts(layoutMask(request.mask));
    int maskedPages = 0;
    for (const auto& d : masked) maskedPages += static_cast<int>(d.pages.size());
    const form::SheetTemplate* coverSheet = request.coverSheet;
    if (!coverSheet) return Status::internal("no fax cover template (one with \"cover\") is loaded");
    int coverPages = 1;
    layout::Document cover;
    const auto officeDirectory = offices_.current();
    const offices::Office* sender = officeDirectory->find(job.office);
    for (int pass = 0; pass < 2; ++pass) {  // a long message may give the cover a 別紙 page
        auto fields = coverFields(request, sentAtIso, coverPages + maskedPages + attachmentPages);
        if (sender) setCoverSender(*fields, *sender);
        auto data = documents_.validate(coverSheet->id, fields, "cover");
        if (!data) return data.status();
        layout::BuildOptions options;
        options.replyRef = job.replyRef;
        options.codeDocument = 0;
        options.documentId = job.id;
        options.createdIso = job.createdAt;
        options.mask = layoutMask(request.mask);
        options.maskNames = patients;
        cover = documents_.layout(*coverSheet, data.value(), options);
        if (static_cast<int>(cover.pages.size()) == coverPages) break;
        coverPages = static_cast<int>(cover.pages.size());
    }
    masked.insert(masked.begin(), cover);
    auto fax = documents_.render(masked, Format::Pdf);
    if (!fax) return fax.status();
    auto faxPdf = render::appendPdfs(fax->bytes, attachments);
    if (!faxPdf) return faxPdf.status();
    out.faxPdf = std::move(faxPdf.value());
    out.pageCount = fax->pageCount + attachmentPages;
    return out;
}

common::Result<std::string> JobComposer::composeFax(const jobs::Job& job) {
    auto frozen = store_.document(job.id, "fax_pdf");
    if (frozen || frozen.status().code() != Status::Code::NotFound) return frozen;
    auto request = requestOf(job);
    if (!request) return request.status();
    auto rendered = render(job, request.value(), common::isoJst(clock_.now()));
    if (!rendered) return rendered.status();
    Status put = store_.putDocument(job.id, "fax_pdf", rendered->faxPdf);
    if (!put) return put;
    return std::move(rendered->faxPdf);
}

common::Result<std::string> JobComposer::composeXlsx(const jobs::Job& job) const {
    auto request = requestOf(job);
    if (!request) return request.status();
    std::vector<layout::Document> docs;
    for (const auto& d : request->documents) {
        layout::BuildOptions options;
        options.replyRef = job.replyRef;
        options.codeDocument = static_cast<int>(docs.size()) + 1;
        options.documentId = job.id;
        options.createdIso = job.createdAt;
        options.sheetParts = true;
        docs.push_back(documents_.layout(*d.sheet, d.data, options));
    }
    auto rendered = documents_.render(docs, Format::Xlsx);
    if (!rendered) return rendered.status();
    return std::move(rendered->bytes);
}

}  // namespace app
