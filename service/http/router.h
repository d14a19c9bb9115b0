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

namespace http {

struct RequestContext {
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    Poco::URI uri;
    std::map<std::string, std::string> params;  // path parameters by name
    std::string requestId;
    // One query parameter, "" when absent.
    std::string query(const std::string& name) const;
};

using Handler = std::function<void(RequestContext&)>;

class Router {
public:
    // pattern: "/api/v1/jobs/{id}". Parameter names pick the check: "id" must be
    // a job id (32 hex digits), "sheet" a sheet id ([a-z0-9-]{1,64}).
    void add(const std::string& method, const std::string& pattern, Handler handler);

    enum class Match { Found, NotFound, MethodNotAllowed };
    // Finds the handler for method and path; fills params on Found.
    Match find(const std::string& method, const std::string& path, Handler& handler,
               std::map<std::string, std::string>& params, std::string& allowed) const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace http
