// JobRequest: a job submission checked and resolved: its documents validated
// against their sheets, the destination looked up in the partner directory,
// attachments decoded. Built by parseJobRequest() from the request body, both
// when the job is submitted and when a stored job is rendered again, so the
// two always agree. Plain data.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "form/form_data.h"
#include "jobs/job.h"
#include "layout/layout_builder.h"
#include "app/document_service.h"
#include "partners/partner_directory.h"

namespace app {

struct JobLimits {
    bool allowAdHocFaxNumbers = false;  // fax.allowAdHocNumbers
    partners::MaskMode defaultMask = partners::MaskMode::Initials;  // fax.defaultMask
    int maxDocuments = 10;              // limits.documentsPerJob
    int maxAttachments = 5;             // limits.attachmentsPerJob
    int maxPages = 60;                  // limits.pagesPerJob
};

struct JobDocument {
    const form::SheetTemplate* sheet = nullptr;
    Poco::JSON::Object::Ptr fields;
    form::FormData data;
};

struct JobAttachment {
    std::string name;
    std::string bytes;  // a PDF
    int pages = 0;
};

struct JobRequest {
    std::vector<JobDocument> documents;
    std::vector<JobAttachment> attachments;
    jobs::Channel channel = jobs::Channel::Print;
    // Fax destination.
    std::string partnerId;          // "" for an ad-hoc number
    partners::Partner recipient;    // from the directory, or the number alone
    std::string faxDigits;          // normalised, e.g. 0166001235
    bool verifiedNumber = false;    // true when the number came from the directory
    partners::MaskMode mask = partners::MaskMode::None;
    Poco::JSON::Object::Ptr cover;  // optional cover options
    // The FAX送付状 (TemplateRegistry::cover()): its "cover" block says which
    // options a request may set and what the cover takes from the documents.
    // nullptr when no cover template is loaded.
    const form::SheetTemplate* coverSheet = nullptr;
    std::string patientRef;
    bool allowDuplicate = false;

    // The identity of a submission for the duplicate check: sheets, fields, destination.
    std::string identityJson() const;
    // Where it goes, as stored and searched: the partner id, the fax digits or "print".
    std::string destination() const;
};

// How a partner's masking is drawn on the sheets of its fax (Default counts as None).
layout::MaskMode layoutMask(partners::MaskMode mode);

// Checks everything before anything is stored. NotFound for an unknown sheet;
// InvalidArgument with every problem (field paths like "fields.pt_name",
// "documents[1].fields.doc_date", "delivery.partner", "attachments[0]").
common::Result<JobRequest> parseJobRequest(const Poco::JSON::Object::Ptr& body, const DocumentService& documents,
                                           const partners::PartnerDirectory& directory, const JobLimits& limits);

// The field values of the FAX送付状 for this job (validated against
// request.coverSheet by the caller), filled as its "cover" block declares
// (templates/README.md): the recipient, the documents as each sheet's
// "faxCover" lists it, the page count, the sender and patient label from the
// first document, then the request's cover options. sentAtIso is when the
// job was accepted. Empty when no cover template is loaded.
Poco::JSON::Object::Ptr coverFields(const JobRequest& request, const std::string& sentAtIso, int totalPages);

}  // namespace app
