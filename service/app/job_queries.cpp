#include "app/job_queries.h"

namespace app {

common::Result<jobs::Job> JobQueries::get(const std::string& id) const { return store_.get(id); }

common::Result<std::vector<jobs::Job>> JobQueries::list(const jobs::JobFilter& filter) const {
    return store_.list(filter);
}

common::Result<long long> JobQueries::count(const jobs::JobFilter& filter) const { return store_.count(filter); }

common::Result<std::vector<jobs::Event>> JobQueries::events(const std::string& jobId) const {
    return store_.events(jobId);
}

}  // namespace app
