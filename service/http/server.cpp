#include "http/server.h"

#include <Poco/File.h>
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

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/file_system.h"
#include "form/template_registry.h"
#include "http/auth_failure_limiter.h"
#include "app/audit_trail.h"
#include "app/document_service.h"
#include "http/handlers.h"
#include "app/job_queries.h"
#include "app/job_service.h"
#include "http/listener.h"
#include "http/problem.h"
#include "http/router.h"
#include "auth/token_registry.h"
#include "jobs/job_store.h"
#include "partners/partner_registry.h"
#include "render/font_metrics.h"
#include "spool/spool.h"

namespace http {
namespace {

// What the request handler needs from the server, shared by all requests.
struct RequestEnv {
    const Router& router;
    const config::Settings& settings;
    app::AuditTrail& audit;
    std::shared_ptr<const auth::TokenRegistry> tokens;  // empty registry: no tokens configured
    AuthFailureLimiter& authFailures;
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
            } else if (api && !authenticate(request, response, requestId, principal)) {
                authFailed = true;
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
        log().information("%s %s %s -> %d (%.1f ms)", requestId, request.getMethod(), route, status,
                          watch.elapsed() / 1000.0);
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
        if (env_.tokens->size() == 0) {  // development on loopback: see Server::start
            principal = {"local", "", auth::Role::Admin};
            return true;
        }
        const std::string header = request.get("Authorization", "");
        const std::string scheme = "Bearer ";
        std::optional<auth::Principal> found;
        if (header.size() > scheme.size() && Poco::icompare(header.substr(0, scheme.size()), scheme) == 0)
            found = env_.tokens->verify(header.substr(scheme.size()));
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

void logPartnerProblems(const std::vector<partners::LineProblem>& problems) {
    for (const auto& p : problems)
        Poco::Logger::get("renkei.partners").warning("partner directory line %d left out: %s", p.line, p.message);
}

common::Status makePrivateDir(const std::string& path) {
    try {
        Poco::File(path).createDirectories();
        ::chmod(path.c_str(), 0700);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("data folder " + path + ": " + e.displayText());
    }
    return common::Status::ok();
}

}  // namespace

struct Server::Impl {
    ~Impl() { stopDispatcher(); }

    // Releases held fax jobs, sends out again jobs that could not be sent
    // out (a full disk) once their backoff ends, and reads gateway results
    // every pollMs, so a result is picked up well within 2 seconds.
    void runDispatcher() {
        std::unique_lock<std::mutex> lock(dispatchMutex);
        while (!stopping) {
            lock.unlock();
            try {
                jobService->releaseDueHeld();
                jobService->redeliverDue();
                jobService->collectResults();
                writeAuthFailures(false);
            } catch (const std::exception& e) {
                Poco::Logger::get("renkei.dispatch").error("dispatch round failed: %s", std::string(e.what()));
            }
            lock.lock();
            dispatchWake.wait_for(lock, std::chrono::milliseconds(settings.dispatchPollMs), [this] { return stopping; });
        }
    }

    // Writes the ended windows of unauthenticated requests to the audit trail
    // (every window when `all`, at shutdown).
    void writeAuthFailures(bool all) {
        for (const jobs::AuditEntry& entry : authFailures->takeEnded(all)) {
            common::Status appended = auditTrail->record(entry);
            if (!appended) Poco::Logger::get("renkei.auth").error("audit row not written: %s", appended.toString());
        }
    }

    void stopDispatcher() {
        {
            std::lock_guard<std::mutex> lock(dispatchMutex);
            stopping = true;
        }
        dispatchWake.notify_all();
        if (dispatcher.joinable()) dispatcher.join();
    }

    config::Settings settings;
    std::unique_ptr<partners::PartnerRegistry> partners;
    evidence::BusinessCalendar calendar;
    std::mutex dispatchMutex;
    std::condition_variable dispatchWake;
    bool stopping = false;  // guarded by dispatchMutex
    std::thread dispatcher;
    common::SystemClock clock;
    common::PosixFileSystem fs;
    std::unique_ptr<app::DocumentService> documents;
    std::unique_ptr<jobs::JobStore> store;
    std::unique_ptr<AuthFailureLimiter> authFailures;
    std::unique_ptr<spool::Spool> spool;
    std::unique_ptr<spool::CupsPrinter> printer;
    std::unique_ptr<app::JobService> jobService;
    std::unique_ptr<app::JobQueries> queries;
    std::unique_ptr<app::AuditTrail> auditTrail;
    std::unique_ptr<Services> services;
    Router router;
    std::unique_ptr<RequestEnv> env;
    std::unique_ptr<Listener> http;
    int port = 0;
    std::string scheme = "http";
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

common::Result<std::unique_ptr<Server>> Server::start(const config::Settings& settings) {
    auto impl = std::make_unique<Impl>();
    impl->settings = settings;
    auto templates = form::TemplateRegistry::load(settings.templatesDir);
    if (!templates) return templates.status();
    auto fonts = render::FontMetrics::open(settings.primaryFont, settings.fallbackFont);
    if (!fonts) return fonts.status();
    render::XlsxOptions xlsx;
    xlsx.fontName = settings.xlsxFont;
    xlsx.tempDir = settings.dataDir + "/tmp";
    impl->documents = std::make_unique<app::DocumentService>(templates.value(), fonts.value(), xlsx,
                                                        app::RenderLimits{settings.renderWorkers, settings.renderQueue});

    for (const std::string& dir : {settings.dataDir, settings.dataDir + "/tmp", settings.spoolDir()}) {
        common::Status made = makePrivateDir(dir);
        if (!made) return made;
    }
    auto store = jobs::JobStore::open(settings.dbPath(), impl->clock);
    if (!store) return store.status();
    impl->store = std::move(store.value());
    impl->authFailures = std::make_unique<AuthFailureLimiter>(
        impl->clock, AuthFailureLimits{settings.authMaxFailures, settings.authFailureWindowSeconds,
                                       settings.authTrackedAddresses});
    impl->spool = std::make_unique<spool::Spool>(settings.spoolDir(), impl->fs);
    common::Status prepared = impl->spool->prepare();
    if (!prepared) return prepared;
    impl->partners = std::make_unique<partners::PartnerRegistry>(settings.partnersFile);
    std::vector<partners::LineProblem> problems;
    common::Status loaded = impl->partners->reload(problems);
    if (!loaded) return loaded;
    logPartnerProblems(problems);
    app::JobServiceOptions options;
    options.duplicateWindowSeconds = settings.duplicateWindowSeconds;
    options.idempotencyKeepSeconds = settings.idempotencyKeepSeconds;
    options.faxHoldSeconds = settings.faxHoldSeconds;
    options.concurrentSubmissions = settings.jobsConcurrent;
    options.submissionQueue = settings.jobsQueue;
    options.redeliverFirstMs = settings.spoolRetryFirstMs;
    options.redeliverMaxMs = settings.spoolRetryMaxMs;
    options.limits.allowAdHocFaxNumbers = settings.faxAllowAdHocNumbers;
    options.limits.defaultMask = *partners::parseMask(settings.faxDefaultMask);
    options.limits.maxDocuments = settings.documentsPerJob;
    options.limits.maxAttachments = settings.attachmentsPerJob;
    options.limits.maxPages = settings.pagesPerJob;
    if (!settings.cupsQueue.empty())
        impl->printer = std::make_unique<spool::CupsPrinter>(settings.cupsQueue, settings.cupsServer);
    impl->jobService = std::make_unique<app::JobService>(*impl->documents, *impl->store, *impl->spool, *impl->partners,
                                                    impl->clock, options, impl->printer.get());
    auto recovered = impl->jobService->recover();
    if (!recovered) return recovered.status();
    if (recovered.value() > 0)
        Poco::Logger::get("renkei").information("recovered %d unfinished job(s)", recovered.value());

    auto calendar = evidence::parseBusinessCalendarConfig(settings.businessDays, settings.openTime, settings.closeTime,
                                                          settings.holidays);
    if (!calendar) return calendar.status();
    impl->calendar = evidence::BusinessCalendar(calendar.value());
    impl->queries = std::make_unique<app::JobQueries>(*impl->store);
    impl->auditTrail = std::make_unique<app::AuditTrail>(*impl->store);
    impl->services.reset(new Services{impl->settings, *impl->documents, *impl->jobService, *impl->queries,
                                      *impl->auditTrail, *impl->partners, impl->calendar});
    Impl* raw = impl.get();
    impl->dispatcher = std::thread([raw] { raw->runDispatcher(); });
    registerRoutes(impl->router, *impl->services);
    std::vector<auth::TokenLine> tokenProblems;
    auto tokens = settings.tokensFile.empty()
                      ? auth::TokenRegistry::parse("name,office,role,sha256,status\n", tokenProblems)
                      : auth::TokenRegistry::load(settings.tokensFile, tokenProblems);
    if (!tokens) return tokens.status();
    for (const auto& p : tokenProblems)
        Poco::Logger::get("renkei.auth").warning("tokens file line %d left out: %s", p.line, p.message);
    const bool tls = !settings.tlsCertificateFile.empty() || !settings.tlsPrivateKeyFile.empty();
    try {
        Poco::Net::SocketAddress address(settings.host, static_cast<Poco::UInt16>(settings.port));
        const bool loopback = address.host().isLoopback();
        if (!loopback && !tls && !settings.behindTlsProxy)
            return common::Status::invalidArgument(
                "refusing plain HTTP without TLS on " + settings.host +
                ": configure tls.certificateFile and tls.privateKeyFile, or set server.behindTlsProxy = true");
        if (!loopback && tokens.value()->size() == 0)
            return common::Status::invalidArgument("refusing to serve an open API on " + settings.host +
                                                   ": configure auth.tokensFile");
        if (tokens.value()->size() == 0)
            Poco::Logger::get("renkei.auth").warning("no access tokens configured: the API is open on loopback only");
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
        socket->listen(settings.queueLength);
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(settings.threads);
        params->setMaxQueued(settings.queueLength);
        params->setTimeout(Poco::Timespan(settings.timeoutMs * 1000LL));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(settings.keepAliveTimeoutMs * 1000LL));
        params->setServerName("renkei");
        impl->port = socket->address().port();
        impl->scheme = tls ? "https" : "http";
        impl->env.reset(
            new RequestEnv{impl->router, impl->settings, *impl->auditTrail, tokens.value(), *impl->authFailures});
        impl->http = std::make_unique<Listener>(new HandlerFactory(*impl->env), *socket, params);
        impl->http->start();
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("cannot listen on " + settings.host + ":" + std::to_string(settings.port) +
                                       ": " + e.displayText());
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::address() const { return impl_->settings.host + ":" + std::to_string(impl_->port); }

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

common::Status Server::reloadPartners() {
    std::vector<partners::LineProblem> problems;
    common::Status reloaded = impl_->partners->reload(problems);
    if (reloaded) logPartnerProblems(problems);
    return reloaded;
}

}  // namespace http
