// The job as the API shows it: the stored record turned into the JSON of
// GET /api/v1/jobs/{id} (without its billing evidence, which the handlers add).
// Pure functions over plain data; thread-safe.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <vector>

#include "jobs/job.h"
#include "jobs/received_fax.h"

namespace http {

// {"id", "sheet", "state", "channel", "destination", ..., "links"}. The stored
// JSON columns (delivery, warnings, receipt) are shown as they are.
Poco::JSON::Object::Ptr jobToJson(const jobs::Job& job);

// The job's received replies: [{"id", "receivedAt", "sender", "pages": [{"page",
// "document", "sentPage", "part"}], "sizeBytes", "createdAt", "document": url}].
Poco::JSON::Array::Ptr repliesToJson(const std::string& jobId, const std::vector<jobs::ReceivedReply>& replies);

}  // namespace http
