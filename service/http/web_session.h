// WebSessions: how the browser interface signs in and what protects it.
//   POST   /api/v1/session  {"token": "rk_..."}  -> a session cookie (HttpOnly,
//          SameSite=Strict, Secure under TLS) and the session's CSRF token
//   GET    /api/v1/session                       -> who is signed in, or 401
//   DELETE /api/v1/session                       -> signs out
// A request with the cookie and no Authorization header is the session's
// principal; if it changes anything (not GET/HEAD) it must also carry the
// session's CSRF token in X-CSRF-Token. Every state-changing request, however
// authenticated, is refused when the browser says it comes from another site
// (Origin, Sec-Fetch-Site), and without configured tokens only loopback host
// names are served, so a rebinding DNS name cannot reach the open API. A
// session ends with its token: once the token is revoked (tokens file
// reloaded) the session is refused from the next request on.
// Thread-safe; the session store is shared by all requests.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <memory>
#include <string>

#include "auth/session_store.h"
#include "auth/token_registry.h"
#include "http/router.h"
#include "offices/office_directory.h"

namespace http {

struct WebSessionOptions {
    // No tokens configured: the API is open (loopback only) and there is nothing to sign in to.
    bool open = false;
    // Cookies get Secure: the browser talks HTTPS (TLS here or at a proxy).
    bool secureCookie = false;
    // Behind a TLS proxy the browser's host may arrive as X-Forwarded-Host.
    bool behindProxy = false;
    // The office an open API acts for (office.default).
    std::string localOffice;
};

class WebSessions {
public:
    static constexpr const char* kPath = "/api/v1/session";
    static constexpr const char* kCsrfHeader = "X-CSRF-Token";

    // All references must outlive this object.
    WebSessions(auth::SessionStore& sessions, const auth::TokenFile& tokens, const offices::OfficeRegistry& offices,
                WebSessionOptions options);

    // Answers 403 and returns true for a request that must not be served: a
    // state-changing request from another site, or (open API) a host name
    // that is not loopback.
    bool refuse(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                const std::string& requestId) const;

    enum class CookieAuth {
        None,     // no session cookie: try other credentials
        Ok,       // principal set
        Refused,  // answered (401 for an unknown or expired session, 403 without the CSRF token)
    };
    CookieAuth authenticate(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                            const std::string& requestId, auth::Principal& principal) const;

    // Serves kPath (any method). Sets principal to whoever signed in or out,
    // for the audit trail.
    void handle(RequestContext& ctx, auth::Principal& principal) const;

private:
    std::string cookieName() const;
    std::string sessionCookie(const Poco::Net::HTTPServerRequest& request) const;
    void setCookie(Poco::Net::HTTPServerResponse& response, const std::string& value, bool clear) const;
    void sendSession(RequestContext& ctx, const auth::Session* session) const;
    void signIn(RequestContext& ctx, auth::Principal& principal) const;

    auth::SessionStore& sessions_;
    const auth::TokenFile& tokens_;
    const offices::OfficeRegistry& offices_;
    WebSessionOptions options_;
};

}  // namespace http
