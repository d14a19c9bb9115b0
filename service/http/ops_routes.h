// The operations routes, for an orchestrator and a monitoring system. They
// sit outside /api/, so no token is asked for (like /healthz):
//   GET /readyz    200 {"status":"ready","checks":{…}} when every check of
//                  ops::Readiness passes, else 503 application/problem+json
//                  (code "not_ready") with the same checks and a "failing" list
//   GET /metrics   the Prometheus text format (ops/service_metrics.h), to the
//                  clients metrics.allow admits; others get 403 (code "forbidden")
// Handlers hold no state.
#pragma once

#include <Poco/Net/IPAddress.h>

#include "app/application.h"
#include "http/router.h"
#include "ops/readiness.h"

namespace http {

struct OpsServices {
    app::Application& app;
    ops::Readiness& readiness;
};

void registerOpsRoutes(Router& router, OpsServices& services);

// Whether metrics.allow (loopback, all, none) admits this request. Loopback
// means a client on this machine that did not come through a proxy: a
// request carrying Forwarded, X-Forwarded-For or X-Real-IP is treated as
// remote, since a reverse proxy on this machine would make every client
// look local.
// viaProxy: the request carries one of those headers.
bool metricsAllowed(const std::string& allow, const Poco::Net::IPAddress& client, bool viaProxy);

}  // namespace http
