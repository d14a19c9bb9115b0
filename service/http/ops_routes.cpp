#include "http/ops_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/IPAddress.h>

#include <sstream>

#include "http/problem.h"
#include "ops/service_metrics.h"

namespace http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

bool isLoopback(const Poco::Net::IPAddress& address) {
    if (address.isLoopback()) return true;
    // ::ffff:127.0.0.1, as a dual-stack socket shows an IPv4 client.
    if (address.family() == Poco::Net::IPAddress::IPv6 && address.isIPv4Mapped())
        return address.toString().rfind("::ffff:127.", 0) == 0;
    return false;
}

void readyz(RequestContext& ctx, OpsServices& s) {
    const std::vector<ops::CheckResult> results = s.readiness.check();
    Object::Ptr checks = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Array::Ptr failing = new Array;
    for (const ops::CheckResult& r : results) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("ok", r.ok);
        if (!r.ok) o->set("code", r.code);
        for (const auto& [name, value] : r.values) o->set(name, value);
        checks->set(r.name, o);
        if (!r.ok) failing->add(r.name);
    }
    if (failing->size() == 0) {
        Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        body->set("status", "ready");
        body->set("checks", checks);
        sendJson(ctx.response, 200, body);
        return;
    }
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("type", "https://renkei.invalid/problems/not_ready");
    body->set("title", "サービスの準備ができていません。");
    body->set("status", 503);
    body->set("code", "not_ready");
    body->set("requestId", ctx.requestId);
    body->set("failing", failing);
    body->set("checks", checks);
    std::ostringstream text;
    body->stringify(text);
    ctx.response.set("Retry-After", "10");
    sendBytes(ctx.response, 503, "application/problem+json", text.str());
}

void metrics(RequestContext& ctx, OpsServices& s) {
    bool viaProxy = false;
    for (const char* header : {"Forwarded", "X-Forwarded-For", "X-Real-IP"}) viaProxy = viaProxy || ctx.request.has(header);
    if (!metricsAllowed(s.app.settings().metricsAllow, ctx.request.clientAddress().host(), viaProxy)) {
        sendProblem(ctx.response, 403, "forbidden", "メトリクスはこの接続元からは参照できません(metrics.allow)。",
                    ctx.requestId);
        return;
    }
    sendBytes(ctx.response, 200, "text/plain; version=0.0.4; charset=utf-8", ops::scrape(s.app));
}

Handler bind(OpsServices& s, void (*fn)(RequestContext&, OpsServices&)) {
    return [&s, fn](RequestContext& ctx) { fn(ctx, s); };
}

}  // namespace

bool metricsAllowed(const std::string& allow, const Poco::Net::IPAddress& client, bool viaProxy) {
    if (allow == "all") return true;
    return allow == "loopback" && !viaProxy && isLoopback(client);
}

void registerOpsRoutes(Router& router, OpsServices& s) {
    router.add("GET", "/readyz", bind(s, readyz));
    router.add("GET", "/metrics", bind(s, metrics));
}

}  // namespace http
