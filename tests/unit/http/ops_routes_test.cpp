#include <catch2/catch.hpp>

#include "http/ops_routes.h"

using http::metricsAllowed;
using Poco::Net::IPAddress;

TEST_CASE("metrics.allow admits loopback clients that did not come through a proxy", "[http][metrics]") {
    CHECK(metricsAllowed("loopback", IPAddress("127.0.0.1"), false));
    CHECK(metricsAllowed("loopback", IPAddress("127.8.9.10"), false));
    CHECK(metricsAllowed("loopback", IPAddress("::1"), false));
    CHECK(metricsAllowed("loopback", IPAddress("::ffff:127.0.0.1"), false));
    CHECK_FALSE(metricsAllowed("loopback", IPAddress("127.0.0.1"), true));  // a reverse proxy on this machine
    CHECK_FALSE(metricsAllowed("loopback", IPAddress("192.0.2.10"), false));
    CHECK_FALSE(metricsAllowed("loopback", IPAddress("::ffff:192.0.2.10"), false));
    CHECK_FALSE(metricsAllowed("loopback", IPAddress("2001:db8::1"), false));
    CHECK(metricsAllowed("all", IPAddress("192.0.2.10"), true));
    CHECK_FALSE(metricsAllowed("none", IPAddress("127.0.0.1"), false));
    CHECK_FALSE(metricsAllowed("", IPAddress("127.0.0.1"), false));
}
