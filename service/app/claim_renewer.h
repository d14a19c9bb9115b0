// ClaimRenewer: keeps this instance's claims alive while it hands jobs over
// (issue 20). A claim lasts jobs.claimSeconds; a hand-over that takes longer
// (a spool on a stalled network share, a slow CUPS server) would otherwise
// let another instance take the job over halfway and write it a second
// time. While a Hold lives, its job's claim is extended every third of the
// claim's length by a thread of its own, so a slow hand-over on the delivery
// thread cannot starve it. A dead instance renews nothing: its claims run
// out as before. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "jobs/job_store.h"

namespace app {

class ClaimRenewer {
public:
    // stepHook (tests): called with "claims.renewed" after each round that renewed anything.
    ClaimRenewer(jobs::JobStore& store, const common::Clock& clock, std::string owner, long long claimMs,
                 std::function<void(const std::string&)> stepHook = {});
    ~ClaimRenewer();  // stops the thread; claims still held run out by themselves
    ClaimRenewer(const ClaimRenewer&) = delete;
    ClaimRenewer& operator=(const ClaimRenewer&) = delete;

    // Renews the claim on jobId (already taken by the caller) until the Hold
    // ends. Once it has ended, the job's claim is never renewed again, so
    // a claim released right after stays released.
    class Hold {
    public:
        Hold(ClaimRenewer& renewer, std::string jobId);
        ~Hold();
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;

    private:
        ClaimRenewer& renewer_;
        const std::string jobId_;
    };

private:
    void run();
    void renewHeld();  // with mutex_ held

    jobs::JobStore& store_;
    const common::Clock& clock_;
    const std::string owner_;
    const long long claimMs_;
    const std::function<void(const std::string&)> stepHook_;

    std::mutex mutex_;  // guards held_ and stopping_; held through a round of renewals
    std::condition_variable wake_;
    std::set<std::string> held_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once everything above is set
};

}  // namespace app
