#include "http/server.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Stopwatch.h>
#include <Poco/String.h>

#include <mutex>

#include "auth/session_store.h"
#include "auth/token_registry.h"
#include "common/logging.h"
#include "http/auth_failure_limiter.h"
#include "http/draft_routes.h"
#include "http/inbox_routes.h"
#include "http/handlers.h"
#include "http/listener.h"
#include "http/openapi.h"
#include "http/ops_routes.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/static_files.h"
#include "http/web_session.h"
#include "jobs/draft_store.h"

namespace http {
namespace {

// What the request handler needs from the server, shared by all requests.
struct RequestEnv {
    const Router& router;
    const config::Settings& settings;
    app::AuditTrail& audit;
    const auth::TokenFile& tokens;
    // No tokens when the server started: the API is open (loopback only) and
    // acts for office.default. Fixed for the server's life, so a reload that
    // empties the tokens file closes the API instead of opening it.
    bool openAccess;
    AuthFailureLimiter& authFailures;
    const WebSessions& web;
    const StaticFiles& statics;
};

// Every request goes through here: limits, authentication, routing, the
// audit trail, and turning anything unexpected into a JSON 500 that names
// only the request id. Logs the method, the route, the status and the time,
// never a body, a query or a field value. An API request nobody was
// authenticated for is counted by AuthFailureLimiter instead of audited one
// by one, so unauthenticated traffic adds a bounded number of audit rows.
class RequestHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RequestHandler(const RequestEnv& env) : env_(env) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        Poco::Stopwatch watch;
        watch.start();
        const std::string requestId = newRequestId();
        response.set("X-Request-Id", requestId);
        response.set("Cache-Control", "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        std::string route = "(unmatched)";
        std::string jobId;
        auth::Principal principal;
        bool api = false;
        bool authFailed = false;  // answered 401 or 429, and counted as a failure
        try {
            Poco::URI uri(request.getURI());
            const std::string path = uri.getPath();
            api = path.rfind("/api/", 0) == 0;
            RequestContext ctx{request, response, uri, {}, requestId, {}};
            Router::Found found;
            std::string allowed;
            Router::Match match = env_.router.find(request.getMethod(), path, found, allowed);
            if (match != Router::Match::NotFound) route = found.pattern;
            if (found.params.count("id")) jobId = found.params["id"];
            if (!withinHeaderLimits(request)) {
                sendProblem(response, 431, "headers_too_large", "リクエストヘッダーが大きすぎます。", requestId);
            } else if (env_.web.refuse(request, response, requestId)) {
                // answered 403: from another site
            } else if (path == WebSessions::kPath) {
                // Signing in with a token is limited like the bearer header.
                route = path;
                const std::string client = request.clientAddress().host().toString();
                const int wait = request.getMethod() == "POST" ? env_.authFailures.retryAfter(client) : 0;
                if (wait > 0) {
                    response.set("Retry-After", std::to_string(wait));
                    sendProblem(response, 429, "too_many_requests",
                                "認証の失敗が多すぎます。しばらくしてから再度お試しください。", requestId);
                    authFailed = true;
                } else {
                    env_.web.handle(ctx, principal);
                    if (request.getMethod() == "POST" && response.getStatus() == 401) {
                        env_.authFailures.failed(client);
                        authFailed = true;
                    }
                }
            } else if (api && !authenticate(request, response, requestId, principal)) {
                authFailed = true;
            } else if (match == Router::Match::NotFound && !api && env_.statics.enabled()) {
                route = "(web)";
                env_.statics.serve(request, response, path, requestId);
            } else if (match == Router::Match::NotFound) {
                sendProblem(response, 404, "not_found", "", requestId);
            } else if (match == Router::Match::MethodNotAllowed) {
                response.set("Allow", allowed);
                sendProblem(response, 405, "method_not_allowed", "", requestId);
            } else if (found.adminOnly && principal.role != auth::Role::Admin) {
                sendProblem(response, 403, "forbidden", "この操作は管理者だけが行えます。", requestId);
            } else {
                ctx.params = std::move(found.params);
                ctx.principal = principal;
                found.handler(ctx);
            }
        } catch (const Poco::SyntaxException&) {
            if (!response.sent()) sendProblem(response, 400, "bad_uri", "URI が正しくありません。", requestId);
        } catch (const Poco::Net::NetException& e) {
            log().warning("request %s: connection problem: %s", requestId, e.displayText());
        } catch (const std::exception& e) {
            log().error("request %s %s %s: unexpected: %s", requestId, request.getMethod(), route, std::string(e.what()));
            if (!response.sent()) sendProblem(response, 500, "internal", "", requestId);
        } catch (...) {
            log().error("request %s: unexpected non-standard exception", requestId);
            if (!response.sent()) sendProblem(response, 500, "internal", "", requestId);
        }
        const int status = static_cast<int>(response.getStatus());
        if (jobId.empty() && response.has("Location")) {  // a job just created
            const std::string location = response.get("Location");
            jobId = location.substr(location.rfind('/') + 1);
        }
        if (api && !principal.name.empty())
            audit(request, route, jobId, principal, status);
        else if (api && !authFailed)
            env_.authFailures.refused(request.clientAddress().host().toString(), status);
        common::logRequest({requestId, request.getMethod(), route, status, watch.elapsed() / 1000.0, jobId});
    }

private:
    static Poco::Logger& log() { return Poco::Logger::get("renkei.http"); }

    bool withinHeaderLimits(const Poco::Net::HTTPServerRequest& request) const {
        size_t count = 0, bytes = 0;
        for (const auto& [name, value] : request) {
            ++count;
            bytes += name.size() + value.size() + 4;
        }
        return static_cast<int>(count) <= env_.settings.maxHeaderCount &&
               static_cast<long long>(bytes) <= env_.settings.maxHeaderBytes;
    }

    // Sets principal from the bearer token, or answers 401 (429 with
    // Retry-After past the address's failure limit) and returns false.
    bool authenticate(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                      const std::string& requestId, auth::Principal& principal) const {
        if (env_.openAccess) {  // development on loopback: see Server::start
            principal = {"local", env_.settings.defaultOffice, auth::Role::Admin, ""};
            return true;
        }
        const std::string header = request.get("Authorization", "");
        if (header.empty()) {  // the browser interface: its session cookie
            switch (env_.web.authenticate(request, response, requestId, principal)) {
            case WebSessions::CookieAuth::Ok: return true;
            case WebSessions::CookieAuth::Refused: return false;
            case WebSessions::CookieAuth::None: break;
            }
        }
        const std::string scheme = "Bearer ";
        std::optional<auth::Principal> found;
        if (header.size() > scheme.size() && Poco::icompare(header.substr(0, scheme.size()), scheme) == 0)
            found = env_.tokens.current()->verify(header.substr(scheme.size()));
        if (found) {
            principal = *found;
            return true;
        }
        const int retryAfterSeconds = env_.authFailures.failed(request.clientAddress().host().toString());
        if (retryAfterSeconds > 0) {
            response.set("Retry-After", std::to_string(retryAfterSeconds));
            sendProblem(response, 429, "too_many_requests",
                        "認証の失敗が多すぎます。しばらくしてから再度お試しください。", requestId);
            return false;
        }
        response.set("WWW-Authenticate", header.empty() ? "Bearer realm=\"renkei\""
                                                        : "Bearer realm=\"renkei\", error=\"invalid_token\"");
        sendProblem(response, 401, header.empty() ? "unauthenticated" : "invalid_token",
                    header.empty() ? "Authorization: Bearer <token> が必要です。" : "トークンが正しくないか、失効しています。",
                    requestId);
        return false;
    }

    void audit(const Poco::Net::HTTPServerRequest& request, const std::string& route, const std::string& jobId,
               const auth::Principal& principal, int status) const {
        jobs::AuditEntry entry;
        entry.office = principal.office;
        entry.role = principal.name.empty() ? "" : auth::roleName(principal.role);
        entry.tokenName = principal.name;
        entry.method = request.getMethod().substr(0, 16);
        entry.route = route;
        entry.jobId = jobId;
        entry.client = request.clientAddress().host().toString();
        entry.status = status;
        common::Status appended = env_.audit.record(entry);
        if (!appended) log().error("audit entry not written: %s", appended.toString());
    }

    const RequestEnv& env_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(const RequestEnv& env) : env_(env) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RequestHandler(env_);
    }

private:
    const RequestEnv& env_;
};

// TLS 1.2 suites: Mozilla's "intermediate" list (forward secrecy and AEAD
// only) without its DHE suites, for which Poco 1.11 would use its built-in
// 1024-bit group. TLS 1.3 keeps OpenSSL's default suites, all of them AEAD
// with forward secrecy; this list does not touch them.
const char* const kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

struct Server::Impl {
    explicit Impl(app::Application& application) : app(application) {}
    // Nothing may run a round with this server's parts once they are gone.
    ~Impl() { stopDispatcher(); }

    void stopDispatcher() {
        if (dispatching) app.stopDispatcher();
        dispatching = false;
    }

    // Writes the ended windows of unauthenticated requests to the audit trail
    // (every window when `all`, at shutdown).
    void writeAuthFailures(bool all) {
        for (const jobs::AuditEntry& entry : authFailures->takeEnded(all)) {
            common::Status appended = app.audit().record(entry);
            if (!appended) Poco::Logger::get("renkei.auth").error("audit row not written: %s", appended.toString());
        }
    }

    app::Application& app;
    std::unique_ptr<AuthFailureLimiter> authFailures;
    std::unique_ptr<Services> services;
    std::unique_ptr<jobs::DraftStore> drafts;
    std::unique_ptr<DraftServices> draftServices;
    std::unique_ptr<InboxServices> inboxServices;
    std::unique_ptr<auth::SessionStore> sessions;
    std::unique_ptr<WebSessions> web;
    std::unique_ptr<StaticFiles> statics;
    std::unique_ptr<ops::Readiness> readiness;
    std::unique_ptr<OpsServices> opsServices;
    Router router;
    std::unique_ptr<RequestEnv> env;
    std::unique_ptr<Listener> http;
    bool dispatching = false;  // this server started the application's dispatcher
    int port = 0;
    std::string scheme = "http";
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

common::Result<std::unique_ptr<Server>> Server::start(app::Application& app) {
    const config::Settings& settings = app.settings();
    auto impl = std::make_unique<Impl>(app);
    impl->authFailures = std::make_unique<AuthFailureLimiter>(
        app.clock(), AuthFailureLimits{settings.authMaxFailures, settings.authFailureWindowSeconds,
                                       settings.authTrackedAddresses});
    impl->services.reset(new Services{settings, app.documents(), app.jobs(), app.queries(), app.audit(),
                                      app.partners(), app.offices(), app.clock()});
    registerRoutes(impl->router, *impl->services);
    impl->readiness = std::make_unique<ops::Readiness>(app);
    impl->opsServices.reset(new OpsServices{app, *impl->readiness});
    registerOpsRoutes(impl->router, *impl->opsServices);
    registerOpenApiRoute(impl->router, app.documents().templates());
    impl->drafts = std::make_unique<jobs::DraftStore>(
        settings.draftsDbPath(), app.clock(),
        jobs::DraftLimits{settings.draftMaxBytes, settings.draftsPerOffice, settings.draftKeepDays});
    // Drafts are a convenience: a draft store that cannot be opened (a full
    // disk) must not keep the server and its jobs down. It is tried again on use.
    if (common::Status opened = impl->drafts->open(); !opened)
        Poco::Logger::get("renkei").error("drafts unavailable for now: %s", opened.toString());
    impl->draftServices.reset(new DraftServices{settings, app.documents(), app.queries(), *impl->drafts});
    registerDraftRoutes(impl->router, *impl->draftServices);
    impl->inboxServices.reset(new InboxServices{settings, app.queries(), app.inbound()});
    registerInboxRoutes(impl->router, *impl->inboxServices);
    impl->statics = std::make_unique<StaticFiles>(settings.webDir);
    const bool openAccess = app.tokens().current()->size() == 0;
    const bool tls = !settings.tlsCertificateFile.empty() || !settings.tlsPrivateKeyFile.empty();
    try {
        Poco::Net::SocketAddress address(settings.host, static_cast<Poco::UInt16>(settings.port));
        const bool loopback = address.host().isLoopback();
        if (!loopback && !tls && !settings.behindTlsProxy)
            return common::Status::invalidArgument(
                "refusing plain HTTP without TLS on " + settings.host +
                ": configure tls.certificateFile and tls.privateKeyFile, or set server.behindTlsProxy = true");
        if (!loopback && openAccess)
            return common::Status::invalidArgument("refusing to serve an open API on " + settings.host +
                                                   ": configure auth.tokensFile");
        if (openAccess)
            Poco::Logger::get("renkei.auth")
                .warning("no access tokens configured: the API is open on loopback only, acting for office %s",
                         settings.defaultOffice);
        std::unique_ptr<Poco::Net::ServerSocket> socket;
        if (tls) {
            static std::once_flag sslOnce;
            std::call_once(sslOnce, [] { Poco::Net::initializeSSL(); });
            Poco::Net::Context::Params tlsParams;
            tlsParams.privateKeyFile = settings.tlsPrivateKeyFile;
            tlsParams.certificateFile = settings.tlsCertificateFile;
            tlsParams.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
            tlsParams.loadDefaultCAs = false;
            tlsParams.cipherList = kTls12Ciphers;
            Poco::Net::Context::Ptr context =
                new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tlsParams);
            context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
        } else {
            socket = std::make_unique<Poco::Net::ServerSocket>();
        }
        // SO_REUSEADDR, so a restart need not wait for old connections, but
        // not SO_REUSEPORT, which ServerSocket(address) would set as well: a
        // second server on this port must fail to start, not quietly take
        // half of the first one's requests.
        socket->bind(address, true, false);
        socket->listen(settings.listenBacklog);
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(settings.threads);
        params->setMaxQueued(settings.queueLength);
        params->setTimeout(Poco::Timespan(settings.timeoutMs * 1000LL));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(settings.keepAliveTimeoutMs * 1000LL));
        params->setServerName("renkei");
        impl->port = socket->address().port();
        impl->scheme = tls ? "https" : "http";
        impl->sessions = std::make_unique<auth::SessionStore>(
            app.clock(), auth::SessionLimits{settings.sessionIdleMinutes * 60LL, settings.sessionMaxHours * 3600LL});
        impl->web = std::make_unique<WebSessions>(
            *impl->sessions, app.tokens(), app.offices(),
            WebSessionOptions{openAccess, tls || settings.behindTlsProxy, settings.behindTlsProxy,
                              settings.defaultOffice});
        impl->env.reset(new RequestEnv{impl->router, settings, app.audit(), app.tokens(), openAccess,
                                       *impl->authFailures, *impl->web, *impl->statics});
        ReactorLimits limits;
        limits.workers = settings.threads;
        limits.maxQueuedRequests = settings.maxQueuedRequests;
        limits.requestTimeoutMs = settings.requestTimeoutMs;
        limits.keepAliveTimeoutMs = settings.keepAliveTimeoutMs;
        limits.ioTimeoutMs = settings.timeoutMs;
        limits.maxConnections = settings.maxConnections;
        limits.maxConnectionsPerClient = settings.maxConnectionsPerClient;
        limits.maxBodyBytes = settings.maxBodyBytes;
        impl->http = std::make_unique<Listener>(new HandlerFactory(*impl->env), *socket, params, tls, limits);
        impl->http->start();
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("cannot listen on " + settings.host + ":" + std::to_string(settings.port) +
                                       ": " + e.displayText());
    }
    Impl* raw = impl.get();
    app.startDispatcher([raw] { raw->writeAuthFailures(false); });
    impl->dispatching = true;
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::address() const { return impl_->app.settings().host + ":" + std::to_string(impl_->port); }

std::string Server::url() const { return impl_->scheme + "://" + address(); }

void Server::stop() {
    if (impl_ && impl_->http) {
        impl_->http->stop();
        impl_->http.reset();
    }
    if (impl_) {
        impl_->stopDispatcher();
        impl_->writeAuthFailures(true);  // no request is served any more
    }
}

}  // namespace http
