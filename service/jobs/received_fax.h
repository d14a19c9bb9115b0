// What the job store keeps of faxes received back (issue 18): each received
// file once (by SHA-256), the pages of it that answer a job as a frozen
// received document of that job, and the pages no job could be found for in
// the inbox, until a person assigns them. Plain data; see JobStore.
#pragma once

#include <string>
#include <vector>

namespace jobs {

// Pages of one received file that answer one job: a PDF of those pages, as
// received, frozen. detailJson is the "reply_received" event's detail.
struct ReceivedReply {
    long long id = 0;        // set by the store
    std::string jobId;
    std::string receivedAt;  // ISO 8601, from the gateway's control file or the file's arrival
    std::string sender;      // the sender's fax number, digits only; "" when not reported
    std::string pagesJson;   // JSON array: [{"page":2,"document":1,"sentPage":1,"part":"reply"}, ...]
    std::string sourceSha256;
    std::string pdf;         // empty in lists
    long long size = 0;
    std::string createdAt;   // set by the store
};

// A received page (or a whole unreadable file) that no job could be found for.
struct InboxEntry {
    long long id = 0;  // set by the store
    std::string receivedAt;
    std::string sender;
    std::string office;  // the office it is shown to; "" = administrators only
    std::string reason;  // code: "no_code", "unknown_reference", "several_jobs", "unreadable_file", ...
    std::string reasonMessage;  // English detail for the log and the admin
    std::string format;  // "pdf" (the page), or "original" (the file as received, when it could not be read)
    std::string bytes;   // empty in lists
    long long size = 0;
    std::string sourceName;
    std::string sourceSha256;
    int sourcePage = 0;  // page in the received file; 0 for a whole file
    std::string createdAt;
};

// One received file and everything it gave, stored in one transaction.
struct ReceivedFile {
    std::string sha256;
    std::string name;
    std::string outcome;  // "matched", "partly_matched", "inbox", "unreadable"
    std::vector<ReceivedReply> replies;
    std::vector<std::string> replyEventDetails;  // one per reply: the event detail (JSON object)
    std::vector<InboxEntry> inbox;
};

}  // namespace jobs
