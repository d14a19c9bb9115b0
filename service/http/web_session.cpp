#include "http/web_session.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>

#include "http/problem.h"

namespace http {
namespace {

using Poco::JSON::Object;

Poco::Logger& log() { return Poco::Logger::get("renkei.auth"); }

// A sign-in body is {"token": "..."}: a few hundred bytes at most.
constexpr long long kMaxSignInBytes = 4096;

bool safeMethod(const std::string& method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

// "https://host:port" -> "host:port", lowercased; "" for anything else ("null").
std::string originAuthority(const std::string& origin) {
    for (const char* scheme : {"http://", "https://"}) {
        const std::string s = scheme;
        if (origin.size() > s.size() && Poco::icompare(origin.substr(0, s.size()), s) == 0) {
            std::string rest = origin.substr(s.size());
            if (rest.find('/') != std::string::npos) return "";
            return Poco::toLower(rest);
        }
    }
    return "";
}

// The host name of a Host header value ("127.0.0.1:8080", "[::1]:8080").
std::string hostName(const std::string& host) {
    if (!host.empty() && host[0] == '[') return Poco::toLower(host.substr(0, host.find(']') + 1));
    return Poco::toLower(host.substr(0, host.find(':')));
}

bool loopbackName(const std::string& name) {
    return name == "localhost" || name == "[::1]" || name.rfind("127.", 0) == 0;
}

}  // namespace

WebSessions::WebSessions(auth::SessionStore& sessions, const auth::TokenFile& tokens,
                         const offices::OfficeRegistry& offices, WebSessionOptions options)
    : sessions_(sessions), tokens_(tokens), offices_(offices), options_(std::move(options)) {}

bool WebSessions::refuse(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                         const std::string& requestId) const {
    const std::string host = request.get("Host", "");
    // An open API answers loopback names only: a page on another site whose
    // DNS name is made to point at 127.0.0.1 would otherwise be same-origin
    // with it. (Browsers always send Host; other clients may leave it out.)
    if (options_.open && !host.empty() && !loopbackName(hostName(host))) {
        sendProblem(response, 403, "host_not_allowed", "このアドレスでは利用できません(ループバックのみ)。", requestId);
        return true;
    }
    if (safeMethod(request.getMethod())) return false;
    // Browsers send both on a cross-site request; API clients send neither.
    const std::string site = Poco::toLower(request.get("Sec-Fetch-Site", ""));
    bool crossSite = site == "cross-site" || site == "same-site";
    if (request.has("Origin")) {
        const std::string origin = originAuthority(request.get("Origin"));
        bool same = !origin.empty() && origin == Poco::toLower(host);
        if (!same && options_.behindProxy && request.has("X-Forwarded-Host"))
            same = !origin.empty() && origin == Poco::toLower(request.get("X-Forwarded-Host"));
        crossSite = crossSite || !same;
    }
    if (!crossSite) return false;
    sendProblem(response, 403, "cross_site_request", "他のサイトからの操作は受け付けません。", requestId);
    return true;
}

std::string WebSessions::cookieName() const {
    // The __Host- prefix makes the browser refuse the cookie unless it is
    // Secure, for the whole host and path "/", so a sibling host cannot plant one.
    return options_.secureCookie ? "__Host-renkei_session" : "renkei_session";
}

std::string WebSessions::sessionCookie(const Poco::Net::HTTPServerRequest& request) const {
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    return cookies.get(cookieName(), "");
}

void WebSessions::setCookie(Poco::Net::HTTPServerResponse& response, const std::string& value, bool clear) const {
    // Written by hand: Poco's HTTPCookie of 1.11 cannot say SameSite.
    std::string cookie = cookieName() + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
    if (options_.secureCookie) cookie += "; Secure";
    if (clear) cookie += "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
    response.add("Set-Cookie", cookie);
}

WebSessions::CookieAuth WebSessions::authenticate(Poco::Net::HTTPServerRequest& request,
                                                  Poco::Net::HTTPServerResponse& response,
                                                  const std::string& requestId, auth::Principal& principal) const {
    const std::string id = sessionCookie(request);
    if (id.empty()) return CookieAuth::None;
    auto session = sessions_.use(id);
    if (session && !tokens_.current()->isActive(session->principal.tokenSha256)) {  // revoked since sign-in
        sessions_.remove(id);
        session.reset();
    }
    if (!session) {
        setCookie(response, "", true);
        sendProblem(response, 401, "session_expired", "ログインの有効期限が切れました。もう一度ログインしてください。",
                    requestId);
        return CookieAuth::Refused;
    }
    if (!safeMethod(request.getMethod()) &&
        !auth::constantTimeEquals(request.get(kCsrfHeader, ""), session->csrfToken)) {
        sendProblem(response, 403, "csrf_token_missing", "画面を再読み込みしてから、もう一度操作してください。", requestId);
        return CookieAuth::Refused;
    }
    principal = session->principal;
    return CookieAuth::Ok;
}

void WebSessions::sendSession(RequestContext& ctx, const auth::Session* session) const {
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("authRequired", !options_.open);
    const auth::Principal principal =
        session ? session->principal : auth::Principal{"local", options_.localOffice, auth::Role::Admin, ""};
    body->set("office", principal.office);
    body->set("role", auth::roleName(principal.role));
    body->set("name", principal.name);
    const auto directory = offices_.current();
    if (const offices::Office* o = directory->find(principal.office)) {
        Object::Ptr office = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        office->set("name", o->name);
        office->set("officeNumber", o->officeNumber);
        office->set("address", o->address);
        office->set("phone", o->phone);
        office->set("fax", o->fax);
        Poco::JSON::Array::Ptr careManagers = new Poco::JSON::Array;
        for (const auto& name : o->careManagers) careManagers->add(name);
        office->set("careManagers", careManagers);
        body->set("officeInfo", office);
    }
    if (session) {
        body->set("csrfToken", session->csrfToken);
        body->set("idleSeconds", sessions_.limits().idleSeconds);
    }
    sendJson(ctx.response, 200, body);
}

void WebSessions::signIn(RequestContext& ctx, auth::Principal& principal) const {
    auto& request = ctx.request;
    if (request.hasContentLength() && request.getContentLength64() > kMaxSignInBytes)
        return sendProblem(ctx.response, 413, "body_too_large", "", ctx.requestId);
    std::string body;
    char buf[1024];
    std::istream& in = request.stream();
    while (in.good() && static_cast<long long>(body.size()) <= kMaxSignInBytes) {
        in.read(buf, sizeof buf);
        body.append(buf, static_cast<size_t>(in.gcount()));
    }
    if (static_cast<long long>(body.size()) > kMaxSignInBytes) {
        ctx.response.setKeepAlive(false);
        return sendProblem(ctx.response, 413, "body_too_large", "", ctx.requestId);
    }
    std::string token;
    try {
        Object::Ptr o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
        if (o && o->has("token") && o->get("token").isString()) token = o->getValue<std::string>("token");
    } catch (const std::exception&) {
        return sendProblem(ctx.response, 400, "malformed_json", "JSON の構文が正しくありません。", ctx.requestId);
    }
    Poco::trimInPlace(token);
    auto found = tokens_.current()->verify(token);
    if (!found) {
        log().warning("sign-in refused from %s", request.clientAddress().host().toString());
        return sendProblem(ctx.response, 401, "invalid_token",
                           "アクセスキーが正しくないか、失効しています。事業所の管理者に確認してください。", ctx.requestId,
                           {{"token", "invalid_token", "アクセスキーが正しくないか、失効しています。"}});
    }
    // A new session every time, never the one the browser brought along.
    const std::string previous = sessionCookie(request);
    if (!previous.empty()) sessions_.remove(previous);
    auth::Session session = sessions_.create(*found);
    principal = session.principal;
    setCookie(ctx.response, session.id, false);
    log().information("signed in: %s (office %s)", principal.name, principal.office);
    sendSession(ctx, &session);
}

void WebSessions::handle(RequestContext& ctx, auth::Principal& principal) const {
    const std::string method = ctx.request.getMethod();
    if (options_.open) {
        principal = {"local", options_.localOffice, auth::Role::Admin, ""};
        if (method == "GET" || method == "DELETE") return sendSession(ctx, nullptr);
        if (method == "POST")
            return sendProblem(ctx.response, 409, "no_tokens_configured",
                               "アクセスキーが設定されていないため、ログインは不要です。", ctx.requestId);
    } else if (method == "POST") {
        return signIn(ctx, principal);
    } else if (method == "GET" || method == "DELETE") {
        const std::string id = sessionCookie(ctx.request);
        auto session = id.empty() ? std::nullopt : sessions_.use(id);
        if (session && !tokens_.current()->isActive(session->principal.tokenSha256)) {  // revoked since sign-in
            sessions_.remove(id);
            session.reset();
        }
        if (session) principal = session->principal;
        if (method == "GET") {
            if (session) return sendSession(ctx, &*session);
            if (!id.empty()) setCookie(ctx.response, "", true);
            return sendProblem(ctx.response, 401, id.empty() ? "unauthenticated" : "session_expired",
                               id.empty() ? "ログインしてください。"
                                          : "ログインの有効期限が切れました。もう一度ログインしてください。",
                               ctx.requestId);
        }
        // Signing out needs the CSRF token too, or another site could sign the user out.
        if (session && !auth::constantTimeEquals(ctx.request.get(kCsrfHeader, ""), session->csrfToken))
            return sendProblem(ctx.response, 403, "csrf_token_missing",
                               "画面を再読み込みしてから、もう一度操作してください。", ctx.requestId);
        if (session) sessions_.remove(id);
        setCookie(ctx.response, "", true);
        ctx.response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
        ctx.response.setContentLength(0);
        ctx.response.send();
        return;
    }
    ctx.response.set("Allow", "GET, POST, DELETE");
    sendProblem(ctx.response, 405, "method_not_allowed", "", ctx.requestId);
}

}  // namespace http
