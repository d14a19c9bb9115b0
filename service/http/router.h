// Router: maps a method and a path such as /api/v1/jobs/{id} to a handler
// function, with the path parameters. Path parameters are checked against
// their pattern here, so nothing like "../" reaches a handler. Immutable after
// construction; thread-safe.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "auth/token_registry.h"

namespace http {

struct RequestContext {
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    Poco::URI uri;
    std::map<std::string, std::string> params;  // path parameters by name
    std::string requestId;
    // Who is asking: set for every /api/ route once the token is checked.
    // Without configured tokens (development on loopback) it is an admin with no office.
    auth::Principal principal;
    // One query parameter, "" when absent.
    std::string query(const std::string& name) const;
};

using Handler = std::function<void(RequestContext&)>;

class Router {
public:
    // pattern: "/api/v1/jobs/{id}". Parameter names pick the check: "id" must be
    // a job id (32 hex digits), "sheet" a sheet id ([a-z0-9-]{1,64}).
    void add(const std::string& method, const std::string& pattern, Handler handler, bool adminOnly = false);

    // What find() matched.
    struct Found {
        Handler handler;
        std::string pattern;  // e.g. "/api/v1/jobs/{id}", for logs and the audit trail
        bool adminOnly = false;
        std::map<std::string, std::string> params;
    };

    // Every route added, in the order added (for the OpenAPI description).
    struct RouteInfo {
        std::string method;
        std::string pattern;
        bool adminOnly = false;
    };
    std::vector<RouteInfo> routes() const;

    enum class Match { Found, NotFound, MethodNotAllowed };
    // Finds the handler for method and path; fills params on Found.
    Match find(const std::string& method, const std::string& path, Found& found, std::string& allowed) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
        bool adminOnly = false;
    };
    std::vector<Route> routes_;
};

}  // namespace http
