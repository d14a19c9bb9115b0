// The API routes: one function per route, registered on a Router. Handlers
// hold no state of their own; they use the long-lived services in Services.
#pragma once

#include "common/clock.h"
#include "config/settings.h"
#include "evidence/business_calendar.h"
#include "offices/office_directory.h"
#include "app/audit_trail.h"
#include "app/document_service.h"
#include "app/job_queries.h"
#include "app/job_service.h"
#include "http/router.h"

namespace http {

struct Services {
    const config::Settings& settings;
    const app::DocumentService& documents;
    app::JobService& jobs;
    const app::JobQueries& queries;
    app::AuditTrail& audit;
    const partners::PartnerRegistry& partners;
    const offices::OfficeRegistry& offices;
    const common::Clock& clock;  // the time a fax preview's cover shows
};

void registerRoutes(Router& router, Services& services);

// Reads the request body as a JSON object with the checks every JSON route
// makes (413 past limit, 415, 400 for malformed JSON, 422 naming fields with
// invalid UTF-8). On a problem it answers it and returns null.
Poco::JSON::Object::Ptr readJsonOrAnswer(RequestContext& ctx, long long limit);

}  // namespace http
