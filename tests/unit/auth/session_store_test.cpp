#include "auth/session_store.h"

#include <catch2/catch.hpp>

using auth::Principal;
using auth::Role;
using auth::SessionStore;

namespace {

const long long kStartUs = 1743487800LL * 1000000;  // 2025-04-01 15:10 in Japan
const Principal kDesk{"harenire-desk", "harenire", Role::Submitter, ""};

}  // namespace

TEST_CASE("A session has an unguessable id and CSRF token and stands for its principal", "[auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    SessionStore store(clock, {});
    auto a = store.create(kDesk);
    auto b = store.create(kDesk);
    CHECK(a.id.size() == 43);
    CHECK(a.csrfToken.size() == 43);
    CHECK(a.id != b.id);
    CHECK(a.id != a.csrfToken);
    auto found = store.use(a.id);
    REQUIRE(found);
    CHECK(found->principal.office == "harenire");
    CHECK(found->csrfToken == a.csrfToken);
    CHECK_FALSE(store.use("not-a-session"));
    CHECK_FALSE(store.use(""));
    CHECK_FALSE(store.use(a.csrfToken));
}

TEST_CASE("A session ends after its idle time, but each use keeps it alive up to its maximum age", "[auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    SessionStore store(clock, {30 * 60, 2 * 3600, 100});
    auto s = store.create(kDesk);
    clock.advanceSeconds(29 * 60);
    CHECK(store.use(s.id));
    clock.advanceSeconds(29 * 60);
    CHECK(store.use(s.id));  // 58 minutes old, used 29 minutes ago
    clock.advanceSeconds(30 * 60);
    CHECK_FALSE(store.use(s.id));  // idle for 30 minutes
    CHECK(store.size() == 0);

    auto busy = store.create(kDesk);
    for (int i = 0; i < 5; ++i) {
        clock.advanceSeconds(20 * 60);
        CHECK(store.use(busy.id));
    }
    clock.advanceSeconds(20 * 60);  // 2 h after sign-in, used 20 minutes ago
    CHECK_FALSE(store.use(busy.id));
}

TEST_CASE("A removed session is gone, and the least recently used one gives way at the limit", "[auth]") {
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    SessionStore store(clock, {3600, 3600 * 12, 2});
    auto first = store.create(kDesk);
    clock.advanceSeconds(1);
    auto second = store.create(kDesk);
    clock.advanceSeconds(1);
    CHECK(store.use(first.id));  // now second is the least recently used
    auto third = store.create(kDesk);
    CHECK(store.size() == 2);
    CHECK(store.use(first.id));
    CHECK_FALSE(store.use(second.id));
    store.remove(third.id);
    CHECK_FALSE(store.use(third.id));
    store.remove("unknown");
}

TEST_CASE("constantTimeEquals compares whole strings", "[auth]") {
    CHECK(auth::constantTimeEquals("abc", "abc"));
    CHECK_FALSE(auth::constantTimeEquals("abc", "abd"));
    CHECK_FALSE(auth::constantTimeEquals("abc", "ab"));
    CHECK_FALSE(auth::constantTimeEquals("", "a"));
}
