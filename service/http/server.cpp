#include "http/server.h"

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/RandomStream.h>
#include <Poco/Stopwatch.h>

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/file_system.h"
#include "form/template_registry.h"
#include "http/document_service.h"
#include "http/handlers.h"
#include "http/job_service.h"
#include "http/problem.h"
#include "http/router.h"
#include "jobs/job_store.h"
#include "partners/partner_registry.h"
#include "render/font_metrics.h"
#include "spool/spool.h"

namespace http {
namespace {

std::string newRequestId() {
    unsigned char bytes[6];
    Poco::RandomInputStream().read(reinterpret_cast<char*>(bytes), sizeof bytes);
    static const char* kHex = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id += kHex[b >> 4];
        id += kHex[b & 15];
    }
    return id;
}

// Every request goes through here: route, run, and turn anything unexpected
// into a JSON 500 that names only the request id. Logs the method, the path,
// the status and the time, never a body or a field value.
class RequestHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RequestHandler(const Router& router) : router_(router) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        Poco::Stopwatch watch;
        watch.start();
        const std::string requestId = newRequestId();
        response.set("X-Request-Id", requestId);
        response.set("Cache-Control", "no-store");
        Poco::URI uri;
        std::string path = "(unparsable)";
        try {
            uri = Poco::URI(request.getURI());
            path = uri.getPath();
            RequestContext ctx{request, response, uri, {}, requestId};
            Handler handler;
            std::string allowed;
            switch (router_.find(request.getMethod(), path, handler, ctx.params, allowed)) {
            case Router::Match::Found: handler(ctx); break;
            case Router::Match::MethodNotAllowed:
                response.set("Allow", allowed);
                sendProblem(response, 405, "method_not_allowed", "", requestId);
                break;
            case Router::Match::NotFound: sendProblem(response, 404, "not_found", "", requestId); break;
            }
        } catch (const Poco::SyntaxException&) {
            if (!response.sent()) sendProblem(response, 400, "bad_uri", "URI が正しくありません。", requestId);
        } catch (const Poco::Net::NetException& e) {
            log().warning("request %s: connection problem: %s", requestId, e.displayText());
        } catch (const std::exception& e) {
            log().error("request %s %s: unexpected: %s", requestId, request.getMethod(), std::string(e.what()));
            if (!response.sent()) sendProblem(response, 500, "internal", "", requestId);
        } catch (...) {
            log().error("request %s: unexpected non-standard exception", requestId);
            if (!response.sent()) sendProblem(response, 500, "internal", "", requestId);
        }
        log().information("%s %s %s -> %d (%.1f ms)", requestId, request.getMethod(), safePath(path),
                          static_cast<int>(response.getStatus()), watch.elapsed() / 1000.0);
    }

private:
    static Poco::Logger& log() { return Poco::Logger::get("renkei.http"); }
    // Paths carry only ids and sheet names; anything else is cut so a stray
    // value never lands in the log.
    static std::string safePath(const std::string& path) { return path.size() > 120 ? path.substr(0, 120) + "…" : path; }
    const Router& router_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(const Router& router) : router_(router) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RequestHandler(router_);
    }

private:
    const Router& router_;
};

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

    // Releases held fax jobs and reads gateway results every pollMs, so a
    // result is picked up well within 2 seconds.
    void runDispatcher() {
        std::unique_lock<std::mutex> lock(dispatchMutex);
        while (!stopping) {
            lock.unlock();
            try {
                jobService->releaseDueHeld();
                jobService->collectResults();
            } catch (const std::exception& e) {
                Poco::Logger::get("renkei.dispatch").error("dispatch round failed: %s", std::string(e.what()));
            }
            lock.lock();
            dispatchWake.wait_for(lock, std::chrono::milliseconds(settings.dispatchPollMs), [this] { return stopping; });
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
    std::unique_ptr<DocumentService> documents;
    std::unique_ptr<jobs::JobStore> store;
    std::unique_ptr<spool::Spool> spool;
    std::unique_ptr<JobService> jobService;
    std::unique_ptr<Services> services;
    Router router;
    std::unique_ptr<Poco::Net::HTTPServer> http;
    int port = 0;
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
    impl->documents = std::make_unique<DocumentService>(templates.value(), fonts.value(), xlsx,
                                                        RenderLimits{settings.renderWorkers, settings.renderQueue});

    for (const std::string& dir : {settings.dataDir, settings.dataDir + "/tmp", settings.spoolDir()}) {
        common::Status made = makePrivateDir(dir);
        if (!made) return made;
    }
    auto store = jobs::JobStore::open(settings.dbPath(), impl->clock);
    if (!store) return store.status();
    impl->store = std::move(store.value());
    impl->spool = std::make_unique<spool::Spool>(settings.spoolDir(), impl->fs);
    common::Status prepared = impl->spool->prepare();
    if (!prepared) return prepared;
    impl->partners = std::make_unique<partners::PartnerRegistry>(settings.partnersFile);
    std::vector<partners::LineProblem> problems;
    common::Status loaded = impl->partners->reload(problems);
    if (!loaded) return loaded;
    logPartnerProblems(problems);
    JobServiceOptions options;
    options.duplicateWindowSeconds = settings.duplicateWindowSeconds;
    options.idempotencyKeepSeconds = settings.idempotencyKeepSeconds;
    options.faxHoldSeconds = settings.faxHoldSeconds;
    options.limits.allowAdHocFaxNumbers = settings.faxAllowAdHocNumbers;
    options.limits.defaultMask = *partners::parseMask(settings.faxDefaultMask);
    options.limits.maxDocuments = settings.documentsPerJob;
    options.limits.maxAttachments = settings.attachmentsPerJob;
    options.limits.maxPages = settings.pagesPerJob;
    impl->jobService = std::make_unique<JobService>(*impl->documents, *impl->store, *impl->spool, *impl->partners,
                                                    impl->clock, options);
    auto recovered = impl->jobService->recover();
    if (!recovered) return recovered.status();
    if (recovered.value() > 0)
        Poco::Logger::get("renkei").information("recovered %d unfinished job(s)", recovered.value());

    auto calendar = evidence::parseBusinessCalendarConfig(settings.businessDays, settings.openTime, settings.closeTime,
                                                          settings.holidays);
    if (!calendar) return calendar.status();
    impl->calendar = evidence::BusinessCalendar(calendar.value());
    impl->services.reset(
        new Services{impl->settings, *impl->documents, *impl->jobService, *impl->partners, impl->calendar});
    Impl* raw = impl.get();
    impl->dispatcher = std::thread([raw] { raw->runDispatcher(); });
    registerRoutes(impl->router, *impl->services);
    try {
        Poco::Net::SocketAddress address(settings.host, static_cast<Poco::UInt16>(settings.port));
        Poco::Net::ServerSocket socket(address, settings.queueLength);
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(settings.threads);
        params->setMaxQueued(settings.queueLength);
        params->setTimeout(Poco::Timespan(settings.timeoutMs * 1000LL));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(settings.keepAliveTimeoutMs * 1000LL));
        params->setServerName("renkei");
        impl->port = socket.address().port();
        impl->http = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(impl->router), socket, params);
        impl->http->start();
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("cannot listen on " + settings.host + ":" + std::to_string(settings.port) +
                                       ": " + e.displayText());
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::address() const { return impl_->settings.host + ":" + std::to_string(impl_->port); }

void Server::stop() {
    if (impl_ && impl_->http) {
        impl_->http->stopAll(false);
        impl_->http.reset();
    }
    if (impl_) impl_->stopDispatcher();
}

common::Status Server::reloadPartners() {
    std::vector<partners::LineProblem> problems;
    common::Status reloaded = impl_->partners->reload(problems);
    if (reloaded) logPartnerProblems(problems);
    return reloaded;
}

}  // namespace http
