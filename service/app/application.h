// Application: the composition root. build() makes every long-lived service
// of the running server from the settings, in this one place:
//   templates + fonts -> DocumentService (validation, PDF and XLSX)
//   data folder       -> JobStore (renkei.db), Spool (spool/print, spool/fax)
//   partners.csv      -> PartnerRegistry; print.cupsQueue -> CupsPrinter
//   offices.csv       -> OfficeRegistry (profiles, business calendars)
//   auth.tokensFile   -> TokenFile (tokens of the registry's offices)
//   all of the above  -> JobService (intake, composer, delivery, results),
//                        JobQueries, AuditTrail, Dispatcher
// and finishes the jobs a previous run left unfinished. It holds a lock on
// the data folder for its whole life: a second server on the same folder
// refuses to start. The HTTP server
// (http/server.h) is handed the built application and serves it.
// The services are safe from any thread; build(), startDispatcher() and
// stopDispatcher() are called from the thread that runs the server.
#pragma once

#include <functional>
#include <memory>

#include "app/audit_trail.h"
#include "app/dispatcher.h"
#include "app/document_service.h"
#include "app/inbound_faxes.h"
#include "app/job_queries.h"
#include "app/job_service.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "common/status.h"
#include "config/settings.h"
#include "auth/token_registry.h"
#include "offices/office_directory.h"
#include "jobs/job_store.h"
#include "partners/partner_registry.h"
#include "spool/cups_printer.h"
#include "spool/spool.h"

namespace app {

class Application {
public:
    // Loads the templates and fonts, creates the data folder (0700), opens
    // the job store, prepares the spool, reads the partner directory, then
    // finishes the jobs a previous run left unfinished. The dispatcher is not
    // started yet. Returns the first problem (a bad template, an unreadable
    // font, a data folder that cannot be made or is in use by another server,
    // a missing partner directory or office registry, an open API whose
    // office.default is not in the registry).
    static common::Result<std::unique_ptr<Application>> build(const config::Settings& settings);
    // Stops the dispatcher, then closes the store.
    ~Application();
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    const config::Settings& settings() const { return settings_; }
    const DocumentService& documents() const { return *documents_; }
    JobService& jobs() { return *jobs_; }
    const JobQueries& queries() const { return *queries_; }
    AuditTrail& audit() { return *audit_; }
    InboundFaxes& inbound() { return *inbound_; }
    const partners::PartnerRegistry& partners() const { return *partners_; }
    const offices::OfficeRegistry& offices() const { return *offices_; }
    const auth::TokenFile& tokens() const { return *tokens_; }
    const common::Clock& clock() const { return clock_; }
    // For the operations endpoints (ops/readiness.h, ops/service_metrics.h),
    // which look at the parts themselves.
    const jobs::JobStore& store() const { return *store_; }
    const spool::Spool& spool() const { return *spool_; }
    common::FileSystem& fileSystem() { return fs_; }

    // Starts the dispatcher's rounds (see Dispatcher::start). Once only.
    void startDispatcher(std::function<void()> alsoEachRound = {});
    // Ends them; nothing runs in the background afterwards.
    void stopDispatcher();

    // Reads the partner directory, the office registry and the tokens file
    // again (SIGHUP), in that order. Bad lines are logged and left out; a
    // file that cannot be read keeps its old contents, and the first such
    // error is returned after the others were tried.
    common::Status reload();

private:
    explicit Application(const config::Settings& settings);

    // The flock'ed descriptor of <data>/renkei.lock. Declared first, so it is
    // let go last, after the store is closed.
    struct DataFolderLock {
        int fd = -1;
        ~DataFolderLock();
    };

    // In the order they are built; each uses only those above it.
    const config::Settings settings_;
    DataFolderLock dataLock_;
    common::SystemClock clock_;
    common::PosixFileSystem fs_;
    std::unique_ptr<DocumentService> documents_;
    std::unique_ptr<jobs::JobStore> store_;
    std::unique_ptr<spool::Spool> spool_;
    std::unique_ptr<partners::PartnerRegistry> partners_;
    std::unique_ptr<offices::OfficeRegistry> offices_;
    std::unique_ptr<auth::TokenFile> tokens_;
    std::unique_ptr<spool::CupsPrinter> printer_;  // null without print.cupsQueue
    std::unique_ptr<JobService> jobs_;
    std::unique_ptr<InboundFaxes> inbound_;
    std::unique_ptr<JobQueries> queries_;
    std::unique_ptr<AuditTrail> audit_;
    std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace app
