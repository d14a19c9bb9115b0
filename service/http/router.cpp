#include "http/router.h"

#include <regex>

#include "common/ids.h"

namespace http {
namespace {

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool validParam(const std::string& name, const std::string& value) {
    if (name == "id") return common::isValidJobId(value);
    static const std::regex kSlug("^[a-z0-9][a-z0-9-]{0,63}$");
    return std::regex_match(value, kSlug);
}

}  // namespace

std::string RequestContext::query(const std::string& name) const {
    for (const auto& [k, v] : uri.getQueryParameters())
        if (k == name) return v;
    return "";
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler, bool adminOnly) {
    routes_.push_back({method, pattern, split(pattern), std::move(handler), adminOnly});
}

std::vector<Router::RouteInfo> Router::routes() const {
    std::vector<RouteInfo> out;
    for (const auto& r : routes_) out.push_back({r.method, r.pattern, r.adminOnly});
    return out;
}

Router::Match Router::find(const std::string& method, const std::string& path, Found& result,
                           std::string& allowed) const {
    if (path.empty() || path[0] != '/') return Match::NotFound;
    const std::vector<std::string> parts = split(path);
    bool pathKnown = false;
    for (const auto& route : routes_) {
        if (route.segments.size() != parts.size()) continue;
        std::map<std::string, std::string> found;
        bool ok = true;
        for (size_t i = 0; i < parts.size() && ok; ++i) {
            const std::string& seg = route.segments[i];
            if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
                std::string name = seg.substr(1, seg.size() - 2);
                ok = validParam(name, parts[i]);
                found[name] = parts[i];
            } else {
                ok = seg == parts[i];
            }
        }
        if (!ok) continue;
        pathKnown = true;
        if (!allowed.empty()) allowed += ", ";
        allowed += route.method;
        result.pattern = route.pattern;  // known path: named in the audit trail even for a 405
        if (route.method == method) {
            result.handler = route.handler;
            result.adminOnly = route.adminOnly;
            result.params = std::move(found);
            return Match::Found;
        }
    }
    return pathKnown ? Match::MethodNotAllowed : Match::NotFound;
}

}  // namespace http
