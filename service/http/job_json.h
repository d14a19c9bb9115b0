// The job as the API shows it: the stored record turned into the JSON of
// GET /api/v1/jobs/{id} (without its billing evidence, which the handlers add).
// Pure functions over plain data; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include "jobs/job.h"

namespace http {

// {"id", "sheet", "state", "channel", "destination", ..., "links"}. The stored
// JSON columns (delivery, warnings, receipt) are shown as they are.
Poco::JSON::Object::Ptr jobToJson(const jobs::Job& job);

}  // namespace http
