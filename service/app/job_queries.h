// JobQueries: what the API reads about stored jobs: one job, a filtered page
// of them and their total, and a job's history. Only reads; what changes a
// job goes through JobService. Thread-safe (the store serialises its calls).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "jobs/job_store.h"

namespace app {

class JobQueries {
public:
    // The store must outlive the queries.
    explicit JobQueries(const jobs::JobStore& store) : store_(store) {}

    // The job. NotFound when no job has this id; IOError or Unavailable when
    // the store cannot be read.
    common::Result<jobs::Job> get(const std::string& id) const;
    // Jobs matching the filter, newest first. InvalidArgument for a bad
    // filter (see JobStore::list).
    common::Result<std::vector<jobs::Job>> list(const jobs::JobFilter& filter) const;
    // How many jobs match the filter, ignoring its limit and offset.
    common::Result<long long> count(const jobs::JobFilter& filter) const;
    // The job's events, oldest first. NotFound for an unknown job.
    common::Result<std::vector<jobs::Event>> events(const std::string& jobId) const;
    // The job's received replies (no PDFs) and one reply with its PDF.
    common::Result<std::vector<jobs::ReceivedReply>> replies(const std::string& jobId) const;
    common::Result<jobs::ReceivedReply> reply(const std::string& jobId, long long replyId) const;
    // The inbox of received pages no job was found for (see JobStore::inbox).
    common::Result<std::vector<jobs::InboxEntry>> inbox(const std::string& office, bool allOffices) const;
    common::Result<jobs::InboxEntry> inboxEntry(long long id) const;

private:
    const jobs::JobStore& store_;
};

}  // namespace app
