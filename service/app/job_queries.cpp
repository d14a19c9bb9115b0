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

common::Result<std::vector<jobs::ReceivedReply>> JobQueries::replies(const std::string& jobId) const {
    return store_.replies(jobId);
}

common::Result<jobs::ReceivedReply> JobQueries::reply(const std::string& jobId, long long replyId) const {
    return store_.reply(jobId, replyId);
}

common::Result<std::vector<jobs::InboxEntry>> JobQueries::inbox(const std::string& office, bool allOffices) const {
    return store_.inbox(office, allOffices);
}

common::Result<jobs::InboxEntry> JobQueries::inboxEntry(long long id) const { return store_.inboxEntry(id); }

}  // namespace app
