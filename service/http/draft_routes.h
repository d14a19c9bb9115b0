// The draft routes: sheets an office keeps on the server while it fills them.
//   GET    /api/v1/drafts          the office's drafts, newest first (no fields)
//   POST   /api/v1/drafts          a new draft: {"sheet", "fields", "title"?, "patient_ref"?,
//                                  "delivery"?, "cover"?}, or {"from_job": "<id>"} to copy an
//                                  earlier job's sheet as the next one ("copy as new")
//   GET    /api/v1/drafts/{id}     one draft with its fields
//   PUT    /api/v1/drafts/{id}     replaces it; with "revision" a stale copy is a 409
//   DELETE /api/v1/drafts/{id}     204
// Every draft belongs to the principal's office: another office's draft
// answers 404, as if it did not exist. Handlers hold no state.
#pragma once

#include "config/settings.h"
#include "app/document_service.h"
#include "app/job_queries.h"
#include "http/router.h"
#include "jobs/draft_store.h"
#include "jobs/job_store.h"

namespace http {

struct DraftServices {
    const config::Settings& settings;
    const app::DocumentService& documents;
    const app::JobQueries& jobs;
    jobs::DraftStore& drafts;
};

void registerDraftRoutes(Router& router, DraftServices& services);

}  // namespace http
