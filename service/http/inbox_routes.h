// The inbox routes: received fax pages no job was found for (issue 18).
//   GET  /api/v1/inbox                   entries, newest first (no bytes)
//   GET  /api/v1/inbox/{entry}/document  the page as a PDF (or the file as received, when unreadable)
//   POST /api/v1/inbox/{entry}/assign    {"reference": "7KQ2-M9XD-P"}: attaches the page to that job
// An entry belongs to the office the sender's fax number leads to (see
// InboundFaxes); entries without an office are an administrator's. Another
// office's entry, or a reference of another office's job, answers 404.
// Handlers hold no state.
#pragma once

#include "app/inbound_faxes.h"
#include "app/job_queries.h"
#include "config/settings.h"
#include "http/router.h"

namespace http {

struct InboxServices {
    const config::Settings& settings;
    const app::JobQueries& queries;
    app::InboundFaxes& inbound;
};

void registerInboxRoutes(Router& router, InboxServices& services);

}  // namespace http
