// JobComposer: makes what a job sends out. render() lays out and renders the
// job's sheets with full data (the copy frozen when the job is accepted) and,
// for a fax, the fax itself: the FAX送付状 with the total page count, then
// the sheets masked by the partner's mode, then the attachments.
// composeFax() makes the fax as it goes out and freezes it, so a fax sent
// again is the same bytes; composeXlsx() renders the sheets as one workbook.
// Thread-safe: it keeps no state of its own; rendering takes turns in the
// DocumentService.
#pragma once

#include <string>
#include <vector>

#include "app/document_service.h"
#include "app/job_request.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/job_store.h"
#include "offices/office_directory.h"
#include "partners/partner_registry.h"

namespace app {

// A job's documents, rendered.
struct RenderedJob {
    std::string pdf;     // every document with full data, then the attachments
    std::string faxPdf;  // fax only: cover, masked documents, attachments
    int pageCount = 0;   // pages of what goes out
    std::vector<std::string> warnings;

    // The copy frozen when the job is accepted, moved out of the render: the
    // PDF with full data. A fax is frozen as it goes out (composeFax), since
    // its cover carries the time it is handed to the gateway.
    std::vector<jobs::FrozenDocument> takeCopies();
};

class JobComposer {
public:
    // Everything given must outlive the composer. limits: as for intake, so a
    // stored request is checked again by the same rules.
    JobComposer(const DocumentService& documents, jobs::JobStore& store, const partners::PartnerRegistry& partners,
                const offices::OfficeRegistry& offices, const common::Clock& clock, JobLimits limits);

    // The job's stored request, checked and resolved again (sheets, the
    // partner as the directory has it now). Internal when it is unreadable or
    // no longer valid.
    common::Result<JobRequest> requestOf(const jobs::Job& job) const;

    // Renders the job's documents; for a fax also the fax, its cover saying
    // it was sent at sentAtIso. Unavailable when the render queue is full;
    // the render's own errors otherwise (e.g. a damaged attachment).
    common::Result<RenderedJob> render(const jobs::Job& job, const JobRequest& request,
                                       const std::string& sentAtIso) const;

    // The fax as it goes out, frozen in the store as "fax_pdf". Composed once:
    // a copy frozen by an earlier try (a crash, a full disk, a retry) is
    // returned as it is. Errors of requestOf(), render() and the store.
    common::Result<std::string> composeFax(const jobs::Job& job);

    // The job's sheets as one XLSX workbook (full data, not frozen here).
    common::Result<std::string> composeXlsx(const jobs::Job& job) const;

private:
    const DocumentService& documents_;
    jobs::JobStore& store_;
    const partners::PartnerRegistry& partners_;
    const offices::OfficeRegistry& offices_;  // the fax cover's sender block
    const common::Clock& clock_;
    const JobLimits limits_;
};

}  // namespace app
