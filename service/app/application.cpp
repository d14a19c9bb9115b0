#include "app/application.h"

#include <Poco/File.h>
#include <Poco/Logger.h>

#include <sys/stat.h>

#include "form/template_registry.h"
#include "render/font_metrics.h"

namespace app {
namespace {

void logPartnerProblems(const std::vector<partners::LineProblem>& problems) {
    for (const auto& p : problems)
        Poco::Logger::get("renkei.partners").warning("partner directory line %d left out: %s", p.line, p.message);
}

common::Status makePrivateDir(const std::string& path) {
    try {
        Poco::File(path).createDirectories();
        if (::chmod(path.c_str(), 0700) != 0)  // e.g. a folder someone else owns: it works, but is not private
            Poco::Logger::get("renkei").warning("data folder %s: cannot make it owner-only (mode 0700)", path);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("data folder " + path + ": " + e.displayText());
    }
    return common::Status::ok();
}

JobServiceOptions jobServiceOptions(const config::Settings& settings) {
    JobServiceOptions options;
    options.intake.duplicateWindowSeconds = settings.duplicateWindowSeconds;
    options.intake.idempotencyKeepSeconds = settings.idempotencyKeepSeconds;
    options.intake.concurrentSubmissions = settings.jobsConcurrent;
    options.intake.submissionQueue = settings.jobsQueue;
    options.delivery.faxHoldSeconds = settings.faxHoldSeconds;
    options.delivery.redeliverFirstMs = settings.spoolRetryFirstMs;
    options.delivery.redeliverMaxMs = settings.spoolRetryMaxMs;
    options.limits.allowAdHocFaxNumbers = settings.faxAllowAdHocNumbers;
    options.limits.defaultMask = *partners::parseMask(settings.faxDefaultMask);
    options.limits.maxDocuments = settings.documentsPerJob;
    options.limits.maxAttachments = settings.attachmentsPerJob;
    options.limits.maxPages = settings.pagesPerJob;
    return options;
}

}  // namespace

Application::Application(const config::Settings& settings) : settings_(settings) {}

Application::~Application() { stopDispatcher(); }

common::Result<std::unique_ptr<Application>> Application::build(const config::Settings& settings) {
    std::unique_ptr<Application> app(new Application(settings));
    auto templates = form::TemplateRegistry::load(settings.templatesDir);
    if (!templates) return templates.status();
    auto fonts = render::FontMetrics::open(settings.primaryFont, settings.fallbackFont);
    if (!fonts) return fonts.status();
    render::XlsxOptions xlsx;
    xlsx.fontName = settings.xlsxFont;
    xlsx.tempDir = settings.dataDir + "/tmp";
    app->documents_ = std::make_unique<DocumentService>(templates.value(), fonts.value(), xlsx,
                                                        RenderLimits{settings.renderWorkers, settings.renderQueue});

    for (const std::string& dir : {settings.dataDir, settings.dataDir + "/tmp", settings.spoolDir()}) {
        common::Status made = makePrivateDir(dir);
        if (!made) return made;
    }
    auto store = jobs::JobStore::open(settings.dbPath(), app->clock_);
    if (!store) return store.status();
    app->store_ = std::move(store.value());
    app->spool_ = std::make_unique<spool::Spool>(settings.spoolDir(), app->fs_);
    common::Status prepared = app->spool_->prepare();
    if (!prepared) return prepared;
    app->partners_ = std::make_unique<partners::PartnerRegistry>(settings.partnersFile);
    std::vector<partners::LineProblem> problems;
    common::Status loaded = app->partners_->reload(problems);
    if (!loaded) return loaded;
    logPartnerProblems(problems);
    if (!settings.cupsQueue.empty())
        app->printer_ = std::make_unique<spool::CupsPrinter>(settings.cupsQueue, settings.cupsServer);
    app->jobs_ = std::make_unique<JobService>(*app->documents_, *app->store_, *app->spool_, *app->partners_,
                                              app->clock_, jobServiceOptions(settings), app->printer_.get());
    auto recovered = app->jobs_->recover();
    if (!recovered) return recovered.status();
    if (recovered.value() > 0)
        Poco::Logger::get("renkei").information("recovered %d unfinished job(s)", recovered.value());
    InboundOptions inbound;
    inbound.maxBytes = settings.inboundMaxBytes;
    inbound.limits.maxPages = settings.inboundMaxPages;
    inbound.limits.maxPixelsPerPage = settings.inboundMaxPixelsPerPage;
    app->inbound_ = std::make_unique<InboundFaxes>(*app->store_, *app->partners_, app->fs_, app->clock_,
                                                   app->spool_->path("fax", "inbound"), inbound);
    common::Status inboundReady = app->inbound_->prepare();
    if (!inboundReady) return inboundReady;
    app->queries_ = std::make_unique<JobQueries>(*app->store_);
    app->audit_ = std::make_unique<AuditTrail>(*app->store_);

    auto calendar = evidence::parseBusinessCalendarConfig(settings.businessDays, settings.openTime, settings.closeTime,
                                                          settings.holidays);
    if (!calendar) return calendar.status();
    app->calendar_ = evidence::BusinessCalendar(calendar.value());
    app->dispatcher_ = std::make_unique<Dispatcher>(*app->jobs_, app->clock_, settings.dispatchPollMs,
                                                    app->inbound_.get());
    return common::Result<std::unique_ptr<Application>>(std::move(app));
}

void Application::startDispatcher(std::function<void()> alsoEachRound) { dispatcher_->start(std::move(alsoEachRound)); }

void Application::stopDispatcher() {
    if (dispatcher_) dispatcher_->stop();
}

common::Status Application::reloadPartners() {
    std::vector<partners::LineProblem> problems;
    common::Status reloaded = partners_->reload(problems);
    if (reloaded) logPartnerProblems(problems);
    return reloaded;
}

}  // namespace app
