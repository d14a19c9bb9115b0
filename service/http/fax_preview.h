// The fax preview: what a partner will receive of one sheet — the FAX送付状
// and the sheet masked by the partner's mode (rules.md §4.1), then any
// attachments — rendered without storing anything. Built the way the job
// pipeline builds a fax (JobService::renderJob), so the two agree; only the
// cover's 送信日時 differs (the fax gets the time it is handed over).
// Thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "common/status.h"
#include "app/document_service.h"
#include "app/job_request.h"
#include "offices/office_directory.h"
#include "partners/partner_directory.h"

namespace http {

// body: {"fields": {...}, optionally "cover", "attachments", "patient_ref"},
// as in a job request for sheetId faxed to partnerId (a directory partner;
// never a raw number). Errors as parseJobRequest: NotFound for an unknown
// sheet, InvalidArgument with every problem ("fields.…", "cover.…",
// "delivery.partner" for an unknown partner); Unavailable when the render
// queue is full. sentAtIso is printed as the cover's 送信日時. The sender
// block of the sheet and the cover is the office's (app/sender_block.h).
common::Result<app::RenderedDocument> renderFaxPreview(const app::DocumentService& documents,
                                                  const partners::PartnerDirectory& directory,
                                                  const offices::Office& sender,
                                                  const app::JobLimits& limits, const std::string& sheetId,
                                                  const std::string& partnerId, const Poco::JSON::Object::Ptr& body,
                                                  const std::string& sentAtIso);

}  // namespace http
