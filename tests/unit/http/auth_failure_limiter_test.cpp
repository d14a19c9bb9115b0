// AuthFailureLimiter (issue 21): failed authentications limited per address
// and window, and unauthenticated traffic audited as a bounded number of rows.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/clock.h"
#include "http/auth_failure_limiter.h"

namespace {

using http::AuthFailureLimiter;
using http::AuthFailureLimits;

// 12:03:15 Japan time: 15 s into a minute.
const long long kMinuteUs = 1743487380LL * 1000000;  // a multiple of 60 s
const long long kStartUs = kMinuteUs + 15 * 1000000LL;

const jobs::AuditEntry* find(const std::vector<jobs::AuditEntry>& rows, const std::string& client, int status) {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const jobs::AuditEntry& e) { return e.client == client && e.status == status; });
    return it == rows.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("Issue 21: an address past its failures in a window gets a Retry-After to the window's end", "[http][auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    AuthFailureLimiter limiter(clock, AuthFailureLimits{3, 60, 100});
    CHECK(limiter.failed("192.0.2.1") == 0);
    CHECK(limiter.failed("192.0.2.1") == 0);
    CHECK(limiter.failed("192.0.2.1") == 0);
    CHECK(limiter.failed("192.0.2.1") == 45);
    CHECK(limiter.failed("192.0.2.2") == 0);  // another address has its own count
    clock.set(Poco::Timestamp(kMinuteUs + 59 * 1000000LL + 500000));
    CHECK(limiter.failed("192.0.2.1") == 1);  // rounded up, never 0
    clock.set(Poco::Timestamp(kMinuteUs + 60 * 1000000LL));
    CHECK(limiter.failed("192.0.2.1") == 0);  // a new window
}

TEST_CASE("Issue 21: each ended window becomes one audit entry per address and answer", "[http][auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    AuthFailureLimiter limiter(clock, AuthFailureLimits{2, 60, 100});
    for (int i = 0; i < 50; ++i) limiter.failed("192.0.2.1");
    limiter.failed("192.0.2.2");
    limiter.refused("192.0.2.2", 431);
    CHECK(limiter.takeEnded(false).empty());  // the window is still open

    clock.advanceSeconds(60);
    limiter.failed("192.0.2.1");  // the next window
    auto rows = limiter.takeEnded(false);
    CHECK(rows.size() == 4);
    const jobs::AuditEntry* unauthorized = find(rows, "192.0.2.1", 401);
    const jobs::AuditEntry* limited = find(rows, "192.0.2.1", 429);
    const jobs::AuditEntry* headers = find(rows, "192.0.2.2", 431);
    REQUIRE(unauthorized);
    REQUIRE(limited);
    REQUIRE(headers);
    REQUIRE(find(rows, "192.0.2.2", 401));
    CHECK(unauthorized->count == 2);
    CHECK(limited->count == 48);
    CHECK(headers->count == 1);
    CHECK(unauthorized->atUs == kMinuteUs);
    CHECK(unauthorized->route == "(any)");
    CHECK(unauthorized->office.empty());
    CHECK(limiter.takeEnded(false).empty());  // handed out once

    auto last = limiter.takeEnded(true);  // shutdown: the open window too
    REQUIRE(last.size() == 1);
    CHECK(last[0].count == 1);
    CHECK(last[0].atUs == kMinuteUs + 60 * 1000000LL);
}

TEST_CASE("Issue 21: addresses past the tracking limit share one counter that is never limited", "[http][auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    AuthFailureLimiter limiter(clock, AuthFailureLimits{1, 60, 2});
    limiter.failed("192.0.2.1");
    limiter.failed("192.0.2.2");
    for (int i = 0; i < 1000; ++i) CHECK(limiter.failed("198.51.100." + std::to_string(i % 250)) == 0);
    CHECK(limiter.failed("192.0.2.1") > 0);  // tracked addresses stay limited
    auto rows = limiter.takeEnded(true);
    CHECK(rows.size() == 4);  // two addresses, 401 and 429 for one of them, and "*"
    const jobs::AuditEntry* others = find(rows, "*", 401);
    REQUIRE(others);
    CHECK(others->count == 1000);
}
