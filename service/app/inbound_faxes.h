// InboundFaxes: faxes received back (issue 18, docs/fax-gateway.md "Gateway
// → Renkei: received faxes"). Each round it takes every file the gateway
// left in <spool>/fax/inbound/, reads the reply code on every page, attaches
// the pages that answer a job to that job (a frozen received PDF with a
// "reply_received" event), and puts the pages no job was found for in the
// inbox, where a person assigns them by typing the printed reference.
// A file is recorded in the store (with its SHA-256) before it is moved to
// inbound/done/ (or failed/ when it could not be read at all), so after a
// crash, a restart or a re-delivered copy nothing is attached twice.
// Thread-safe: collect() runs one at a time; assign() may run beside it.
#pragma once

#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/file_system.h"
#include "common/status.h"
#include "inbound/bitmap.h"
#include "jobs/job_store.h"
#include "offices/office_directory.h"
#include "partners/partner_registry.h"

namespace app {

struct InboundOptions {
    long long maxBytes = 20 << 20;   // inbound.maxBytes
    inbound::RasterLimits limits;    // inbound.maxPages, inbound.maxPixelsPerPage
};

class InboundFaxes {
public:
    // inboundDir: <spool>/fax/inbound. Everything given must outlive this.
    // The partner directory and the office registry decide who sees a page
    // no job was found for (officeOfSender).
    InboundFaxes(jobs::JobStore& store, const partners::PartnerRegistry& partners,
                 const offices::OfficeRegistry& offices, common::FileSystem& fs, const common::Clock& clock,
                 std::string inboundDir, InboundOptions options);
    InboundFaxes(const InboundFaxes&) = delete;
    InboundFaxes& operator=(const InboundFaxes&) = delete;

    // Creates inbound/{tmp,done,failed} (0700). IOError when it cannot.
    common::Status prepare();

    // Handles every file waiting in inbound/. Returns how many files it
    // handled, or the first error that left a file for the next round (the
    // store or the folder could not be written).
    common::Result<int> collect();

    // Attaches inbox entry `entryId` to the job whose reply reference a
    // person typed. `office` is the caller's; allOffices for an
    // administrator. InvalidArgument (field "reference") for a reference that
    // fails its check; NotFound for an unknown entry or job, or one of
    // another office. Returns the new reply's id.
    common::Result<long long> assign(long long entryId, const std::string& typedReference, const std::string& office,
                                     bool allOffices, const std::string& actor);

    // The office a fax from this sender (digits only) belongs to: the
    // partner of the directory with this fax number, when exactly one office
    // of the registry has faxed that partner; "" (administrators) otherwise,
    // and for an unknown or unreported number.
    std::string officeOfSender(const std::string& sender) const;

private:
    // Reads, matches and records one file; then moves it (and its control file).
    common::Status handle(const std::string& name);
    common::Status moveAway(const std::string& name, const std::string& dir);

    jobs::JobStore& store_;
    const partners::PartnerRegistry& partners_;
    const offices::OfficeRegistry& offices_;
    common::FileSystem& fs_;
    const common::Clock& clock_;
    const std::string dir_;
    const InboundOptions options_;
    std::mutex mutex_;  // one collect() at a time
};

}  // namespace app
