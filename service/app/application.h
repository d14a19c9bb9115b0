// Application: the composition root. build() makes every long-lived service
// of the running server from the settings, in this one place:
//   templates + fonts -> DocumentService (validation, PDF and XLSX)
//   data folder       -> JobStore (renkei.db), Spool (spool/print, spool/fax)
//   partners.csv      -> PartnerRegistry; print.cupsQueue -> CupsPrinter
//   all of the above  -> JobService (intake, composer, delivery, results),
//                        JobQueries, AuditTrail, Dispatcher
//   office.*          -> BusinessCalendar (billing evidence)
// and finishes the jobs a previous run left unfinished. The HTTP server
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
#include "evidence/business_calendar.h"
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
    // font, a data folder that cannot be made, a missing partner directory,
    // a bad office calendar).
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
    const evidence::BusinessCalendar& calendar() const { return calendar_; }
    const common::Clock& clock() const { return clock_; }

    // Starts the dispatcher's rounds (see Dispatcher::start). Once only.
    void startDispatcher(std::function<void()> alsoEachRound = {});
    // Ends them; nothing runs in the background afterwards.
    void stopDispatcher();

    // Reads the partner directory again (SIGHUP). Bad lines are logged and
    // left out; a missing file keeps the old directory and returns the error.
    common::Status reloadPartners();

private:
    explicit Application(const config::Settings& settings);

    // In the order they are built; each uses only those above it.
    const config::Settings settings_;
    common::SystemClock clock_;
    common::PosixFileSystem fs_;
    std::unique_ptr<DocumentService> documents_;
    std::unique_ptr<jobs::JobStore> store_;
    std::unique_ptr<spool::Spool> spool_;
    std::unique_ptr<partners::PartnerRegistry> partners_;
    std::unique_ptr<spool::CupsPrinter> printer_;  // null without print.cupsQueue
    std::unique_ptr<JobService> jobs_;
    std::unique_ptr<InboundFaxes> inbound_;
    std::unique_ptr<JobQueries> queries_;
    std::unique_ptr<AuditTrail> audit_;
    evidence::BusinessCalendar calendar_;
    std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace app
