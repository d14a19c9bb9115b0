// Delivery: where a job goes and what became of it on the way, as the job
// record keeps it (Job::deliveryJson, shown as "delivery" in the API): the
// channel; for a fax the recipient, the number and the masking; for a print
// job sent to CUPS the queue, the intent and the CUPS job; and the report of
// the fax gateway or the print consumer. Parsed from the stored JSON once
// (Delivery::of) and written back whole (toJson), so no code reads or edits that
// JSON by hand. Plain data; thread-safe to copy.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "app/job_request.h"
#include "common/status.h"
#include "jobs/job.h"
#include "partners/partner_directory.h"

namespace app {

struct Delivery {
    jobs::Channel channel = jobs::Channel::Print;

    // Fax only: the recipient and the number it goes to.
    std::string partnerId;   // "partner": the directory id; "" for an ad-hoc number
    std::string name;        // "name", "department", "person": as the directory has them
    std::string department;
    std::string person;
    std::string faxNumber;   // "faxNumber": digits only, e.g. "0166001235"
    std::string faxDisplay;  // "faxDisplay": as the directory or the caller wrote it
    bool verified = false;   // "verified": the number came from the directory
    partners::MaskMode mask = partners::MaskMode::None;  // "mask": how the sheets are masked

    int attachments = 0;  // "attachments": PDFs appended to the job; 0 is left out

    // Print jobs sent to a CUPS queue (JobDelivery). The intent is recorded
    // before CUPS is asked, so a crash in between is never printed twice.
    std::string cupsQueue;         // "cupsQueue"
    bool cupsSubmitting = false;   // "cupsSubmitting": the intent
    std::optional<int> cupsJobId;  // "cupsJobId": CUPS accepted it as this job
    std::string cupsState;         // "cupsState", "cupsReason": CUPS's final answer
    std::string cupsReason;

    // "result": the gateway's or consumer's result file, as it was received
    // (docs/fax-gateway.md); null until there is one.
    Poco::JSON::Object::Ptr result;

    // The delivery of a checked request, before anything happened to it.
    static Delivery of(const JobRequest& request);
    // The job's delivery as stored. The channel is the job's own: a job
    // stored before deliveries were recorded has "{}". Internal when the JSON
    // is not an object or a member has the wrong type: only this service
    // writes it.
    static common::Result<Delivery> of(const jobs::Job& job);
    // The JSON to store: the members above under their keys, in this order,
    // without the ones that are unset.
    std::string toJson() const;
};

}  // namespace app
