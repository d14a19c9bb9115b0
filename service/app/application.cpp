#include "app/application.h"

#include <Poco/Environment.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Logger.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/workbook_intake.h"
#include "form/template_registry.h"
#include "render/font_metrics.h"

namespace app {
namespace {

void logLineProblems(const char* what, const std::string& path, const std::vector<partners::LineProblem>& problems) {
    for (const auto& p : problems)
        Poco::Logger::get("renkei.config").warning("%s %s line %d left out: %s", std::string(what), path, p.line, p.message);
}

void logTokenProblems(const std::string& path, const std::vector<auth::TokenLine>& problems) {
    for (const auto& p : problems)
        Poco::Logger::get("renkei.auth").warning("tokens file %s line %d left out: %s", path, p.line, p.message);
}

// Takes <data>/renkei.lock for the life of the process (the kernel lets go
// when it ends, however it ends) and writes our pid into it for whoever is
// refused.
common::Result<int> lockDataFolder(const std::string& dataDir) {
    const std::string path = dataDir + "/renkei.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        return common::Status::fromErrno(err, "data folder lock " + path + ": " + std::strerror(err));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char pid[32] = {0};
        const ssize_t got = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (err == EWOULDBLOCK) {
            std::string holder = got > 0 ? std::string(pid, static_cast<size_t>(got)) : "";
            while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
            return common::Status::unavailable("the data folder " + dataDir + " is in use by another Renkei server" +
                                               (holder.empty() ? "" : " (pid " + holder + ")") +
                                               ": stop it first, or give this one its own data.dir");
        }
        return common::Status::fromErrno(err, "data folder lock " + path + ": " + std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        Poco::Logger::get("renkei").warning("data folder lock %s: cannot write the pid (the lock holds)", path);
    return fd;
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
    options.intake.workbookLimits = workbookLimits(settings);
    options.delivery.faxHoldSeconds = settings.faxHoldSeconds;
    options.delivery.redeliverFirstMs = settings.spoolRetryFirstMs;
    options.delivery.redeliverMaxMs = settings.spoolRetryMaxMs;
    // The host and data folder: the same after a restart, so an instance
    // resumes its own claims at once.
    options.delivery.shared = settings.jobsStore == "postgresql";
    options.delivery.owner = Poco::Environment::nodeName() + ":" + Poco::Path(settings.dataDir).absolute().toString();
    options.delivery.claimMs = settings.jobsClaimSeconds * 1000LL;
    options.delivery.takeOverExpired = settings.spoolShared;
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

Application::DataFolderLock::~DataFolderLock() {
    if (fd >= 0) ::close(fd);
}

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

    common::Status madeData = makePrivateDir(settings.dataDir);
    if (!madeData) return madeData;
    auto lock = lockDataFolder(settings.dataDir);
    if (!lock) return lock.status();
    app->dataLock_.fd = lock.value();
    for (const std::string& dir : {settings.dataDir + "/tmp", settings.spoolDir()}) {
        common::Status made = makePrivateDir(dir);
        if (!made) return made;
    }
    auto store = settings.jobsStore == "postgresql"
                     ? jobs::JobStore::openPostgreSql(settings.jobsPostgresql, settings.jobsPostgresqlPool, app->clock_)
                     : jobs::JobStore::open(settings.dbPath(), app->clock_);
    if (!store) return store.status();
    app->store_ = std::move(store.value());
    app->spool_ = std::make_unique<spool::Spool>(settings.spoolDir(), app->fs_);
    common::Status prepared = app->spool_->prepare();
    if (!prepared) return prepared;
    app->partners_ = std::make_unique<partners::PartnerRegistry>(settings.partnersFile);
    std::vector<partners::LineProblem> problems;
    common::Status loaded = app->partners_->reload(problems);
    if (!loaded) return loaded;
    logLineProblems("partner directory", settings.partnersFile, problems);
    app->offices_ = std::make_unique<offices::OfficeRegistry>(settings.officesFile);
    problems.clear();
    common::Status officesLoaded = app->offices_->reload(problems);
    if (!officesLoaded) return officesLoaded;
    logLineProblems("office registry", settings.officesFile, problems);
    const offices::OfficeRegistry& officeRegistry = *app->offices_;
    app->tokens_ = std::make_unique<auth::TokenFile>(settings.tokensFile, [&officeRegistry](const std::string& id) {
        return officeRegistry.current()->find(id) != nullptr;
    });
    std::vector<auth::TokenLine> tokenProblems;
    common::Status tokensLoaded = app->tokens_->reload(tokenProblems);
    if (!tokensLoaded) return tokensLoaded;
    logTokenProblems(settings.tokensFile, tokenProblems);
    if (app->tokens_->current()->size() == 0 && !app->offices_->current()->find(settings.defaultOffice))
        return common::Status::invalidArgument("office.default '" + settings.defaultOffice + "' is not in the office registry " +
                                               settings.officesFile +
                                               ": without access tokens the server acts for that office");
    if (!settings.cupsQueue.empty())
        app->printer_ = std::make_unique<spool::CupsPrinter>(settings.cupsQueue, settings.cupsServer);
    app->jobs_ = std::make_unique<JobService>(*app->documents_, *app->store_, *app->spool_, *app->partners_,
                                              *app->offices_, app->clock_, app->fs_, jobServiceOptions(settings),
                                              app->printer_.get());
    auto recovered = app->jobs_->recover();
    if (!recovered) return recovered.status();
    if (recovered.value() > 0)
        Poco::Logger::get("renkei").information("recovered %d unfinished job(s)", recovered.value());
    InboundOptions inbound;
    inbound.maxBytes = settings.inboundMaxBytes;
    inbound.limits.maxPages = settings.inboundMaxPages;
    inbound.limits.maxPixelsPerPage = settings.inboundMaxPixelsPerPage;
    app->inbound_ = std::make_unique<InboundFaxes>(*app->store_, *app->partners_, *app->offices_, app->fs_, app->clock_,
                                                   app->spool_->path("fax", "inbound"), inbound);
    common::Status inboundReady = app->inbound_->prepare();
    if (!inboundReady) return inboundReady;
    app->queries_ = std::make_unique<JobQueries>(*app->store_);
    app->audit_ = std::make_unique<AuditTrail>(*app->store_);

    app->dispatcher_ = std::make_unique<Dispatcher>(*app->jobs_, app->clock_, settings.dispatchPollMs,
                                                    app->inbound_.get());
    return common::Result<std::unique_ptr<Application>>(std::move(app));
}

void Application::startDispatcher(std::function<void()> alsoEachRound) { dispatcher_->start(std::move(alsoEachRound)); }

void Application::stopDispatcher() {
    if (dispatcher_) dispatcher_->stop();
}

common::Status Application::reload() {
    std::vector<partners::LineProblem> problems;
    common::Status first = partners_->reload(problems);
    if (first) logLineProblems("partner directory", partners_->path(), problems);
    problems.clear();
    common::Status offices = offices_->reload(problems);
    if (offices) logLineProblems("office registry", offices_->path(), problems);
    if (first && !offices) first = offices;
    std::vector<auth::TokenLine> tokenProblems;
    common::Status tokens = tokens_->reload(tokenProblems);
    if (tokens) logTokenProblems(tokens_->path(), tokenProblems);
    if (first && !tokens) first = tokens;
    return first;
}

}  // namespace app
