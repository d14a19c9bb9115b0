// What a care worker records about a job after it went out, and how it is read
// back for the billing evidence: the hand delivery or mailing of a printed
// sheet ("delivered") and the calls in which the recipient confirmed receipt
// ("receipt_confirmed"). Both are append-only events in the job store (see
// JobStore::appendEvent): a second record is a second event and never
// replaces the first. Pure functions; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "evidence/billing_rules.h"
#include "form/wareki.h"
#include "jobs/job.h"

namespace app {

// How far in the future (by the server's clock) a recorded time may lie, for
// clocks that are a little apart: 5 minutes.
constexpr long long kRecordClockSkewUs = 5LL * 60 * 1000000;

// Microseconds since the epoch of a Japan-time minute.
long long epochUsOf(const form::DateTime& jst);

// A recorded hand delivery, mailing or other handing over of a printed sheet.
struct DeliveredRecord {
    std::string at;      // ISO 8601 +09:00: when it reached the recipient (for mail: the day it arrived)
    form::DateTime atJst;
    evidence::SendMethod method = evidence::SendMethod::InPerson;
    std::string methodKey;  // "in_person", "mail", "fax", "email", "other"
    std::string person;     // who took it, without 様
    std::string note;       // optional
    std::string actor;      // who recorded it
    std::string recordedAt; // when it was recorded
    // {at, method, methodLabel, person, note?, recordedBy, recordedAt}
    Poco::JSON::Object::Ptr toJson() const;
};

// One receipt confirmation, as POST /api/v1/jobs/{id}/receipt recorded it.
struct ReceiptRecord {
    std::string at;  // ISO 8601 +09:00
    form::DateTime atJst;
    std::string person;
    std::string methodKey;  // "phone", "fax", "email", "in_person", "video", "other"
    std::string actor;      // "" for one read from the legacy receipt column
    std::string recordedAt;
    // {at, person, method, methodLabel, recordedBy?, recordedAt?}
    Poco::JSON::Object::Ptr toJson() const;
};

// A job's history as the evidence reads it.
// A reply received back by fax and attached to the job (issue 18: a
// "reply_received" event, matched by its code or assigned from the inbox).
struct ReplyRecord {
    std::string at;  // when the fax was received (the gateway's time), ISO 8601
    form::DateTime atJst;
    std::string sender;      // the sender's fax number, digits only; "" when not reported
    std::string recordedAt;  // when it was attached
};

struct JobHistory {
    std::vector<DeliveredRecord> delivered;  // in recording order; the first one counts
    std::vector<ReceiptRecord> receipts;     // in recording order; the first one is "the" confirmation
    std::vector<ReplyRecord> replies;        // in recording order
    std::string sentRecordedAt;              // when the store recorded the last "sent" event; "" if none
    std::string failedAt;                    // of the last "failed" event; "" if none
    std::string cancelledAt;                 // of the "cancelled" event; "" if none
};

// Reads the events (oldest first). Events that cannot be read (edited by
// hand) are skipped. Receipts recorded before they became events of their
// own only ever left the job's receipt column behind: when there is no
// receipt_confirmed event, that column (if set) is read as the one receipt.
JobHistory historyOf(const jobs::Job& job, const std::vector<jobs::Event>& events);

// Why a job cannot take a delivered record: a stable English code and a
// Japanese message for the 409 answer.
struct Refusal {
    std::string code;
    std::string message;
};
// "job_cancelled" for a cancelled job, "fax_job" for a fax (its gateway's
// report is the evidence), "job_failed" for a failed print (retry it first),
// "not_rendered" before the sheet to hand over exists, "already_delivered"
// when one is recorded (a record is never replaced). nullopt when it can.
std::optional<Refusal> deliveredRefusal(const jobs::Job& job, const JobHistory& history);

// Checks the body of POST /api/v1/jobs/{id}/delivered:
//   {"at": ISO 8601 with offset, "method": "in_person"|"mail"|"fax"|"email"|"other",
//    "person": who took it (1-40 characters), "note": optional (up to 200 characters)}
// "at" may not lie more than kRecordClockSkewUs after nowUs, nor before the
// minute the job was created. InvalidArgument naming every bad field. On
// success, the detail JSON of the "delivered" event ("at" in Japan time).
common::Result<std::string> deliveredDetail(const Poco::JSON::Object::Ptr& body, const jobs::Job& job,
                                            long long nowUs);

}  // namespace app
