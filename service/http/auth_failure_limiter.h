// AuthFailureLimiter: keeps unauthenticated traffic from growing the store or
// guessing tokens at leisure. It counts, per client address, the API requests
// answered before anyone was authenticated, in fixed windows aligned to the
// clock (12:03:00 to 12:04:00 with the default 60 s), says when an address has
// failed authentication too often in the current window, and hands each ended
// window back as aggregated audit entries: at most one row per address,
// answer and window instead of one per request. Memory is bounded: past
// maxAddresses in one window, further addresses share one counter (client
// "*"), which is never limited. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "jobs/job.h"

namespace http {

struct AuthFailureLimits {
    int maxFailures = 20;      // failed authentications per address and window before 429
    int windowSeconds = 60;    // window length; windows start at multiples of it since the epoch
    int maxAddresses = 10000;  // addresses counted one by one in a window
};

class AuthFailureLimiter {
public:
    // The clock must outlive the limiter.
    AuthFailureLimiter(const common::Clock& clock, AuthFailureLimits limits);
    AuthFailureLimiter(const AuthFailureLimiter&) = delete;
    AuthFailureLimiter& operator=(const AuthFailureLimiter&) = delete;

    // Counts a failed authentication from address. Returns 0 while the
    // address is within its limit (answer 401), else the seconds until its
    // window ends, at least 1 (answer 429 with that Retry-After).
    int failed(const std::string& address);
    // Like failed(), without counting: the seconds an address that is over
    // its limit must wait, or 0 (the browser sign-in asks before it checks a
    // token, and counts a wrong one with failed()).
    int retryAfter(const std::string& address);
    // Counts another unauthenticated request answered `status` (431, 400…),
    // for the audit only.
    void refused(const std::string& address, int status);
    // The windows that have ended (every window when `all`, at shutdown), as
    // audit entries with client, status, count and the window's start; they
    // are forgotten here, so each is handed out once.
    std::vector<jobs::AuditEntry> takeEnded(bool all);

private:
    struct Counts {
        int failures = 0;             // failed authentications, whatever was answered
        std::map<int, int> byStatus;  // answers given: status -> requests
    };
    // Ends the current window once the clock has left it.
    void rollLocked(long long nowUs);
    // Moves the current window's counts to ended_ as audit entries.
    void closeLocked();
    // The address's counts; those of all further addresses (tracked false)
    // once maxAddresses are counted in this window.
    Counts& countsLocked(const std::string& address, bool& tracked);
    long long windowUs() const { return limits_.windowSeconds * 1000000LL; }

    const common::Clock& clock_;
    const AuthFailureLimits limits_;
    std::mutex mutex_;
    // Guarded by mutex_:
    long long windowStartUs_ = 0;
    std::unordered_map<std::string, Counts> current_;  // at most maxAddresses
    Counts others_;                                     // addresses past maxAddresses
    std::vector<jobs::AuditEntry> ended_;               // not yet taken; capped in closeLocked
    int dropped_ = 0;                                   // entries the cap turned away
};

}  // namespace http
