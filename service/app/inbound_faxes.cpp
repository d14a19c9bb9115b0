#include "app/inbound_faxes.h"

#include <Poco/DateTimeParser.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "inbound/code_reader.h"
#include "inbound/page_pdf.h"
#include "inbound/pdf_pages.h"
#include "inbound/tiff_pages.h"
#include "ops/metrics.h"
#include "reply/reply_ref.h"

namespace app {
namespace {

using common::Result;
using common::Status;
using Poco::JSON::Array;
using Poco::JSON::Object;

const char* const kActor = "fax-inbound";
// Received PDFs carry no fax resolution; they are read at fine resolution.
constexpr double kPdfXDpi = 204, kPdfYDpi = 196;
constexpr size_t kMaxNameLength = 200;

std::string json(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}
std::string json(const Array& a) {
    std::ostringstream out;
    a.stringify(out);
    return out.str();
}

// "fax.pdf" -> "fax"
std::string stem(const std::string& name) {
    const size_t dot = name.rfind('.');
    return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// What the gateway's control file says (all optional; bad values are left out).
struct Control {
    std::string sender;      // digits only
    std::string receivedAt;  // as given, when it is ISO 8601
    int pages = 0;
};

Control readControl(const std::string& text) {
    Control c;
    try {
        Poco::JSON::Parser parser;
        auto o = parser.parse(text).extract<Object::Ptr>();
        if (!o) return c;
        if (o->has("sender") && o->get("sender").isString()) {
            auto number = partners::normalizeFaxNumber(o->getValue<std::string>("sender"));
            if (number) c.sender = *number;
        }
        if (o->has("receivedAt") && o->get("receivedAt").isString()) {
            const std::string at = o->getValue<std::string>("receivedAt");
            Poco::DateTime parsed;
            int tz = 0;
            if (at.size() <= 40 && Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, at, parsed, tz))
                c.receivedAt = at;
        }
        if (o->has("pages") && o->get("pages").isInteger()) c.pages = o->getValue<int>("pages");
    } catch (const std::exception&) {
        // A control file that is not JSON tells nothing; the fax is still read.
    }
    return c;
}

const char* partName(reply::CodePart part) { return part == reply::CodePart::ReplyHalf ? "reply" : "page"; }

// Where a received page points.
struct PageMatch {
    std::string jobId;
    reply::PageCode code;
};

}  // namespace

InboundFaxes::InboundFaxes(jobs::JobStore& store, const partners::PartnerRegistry& partners,
                           const offices::OfficeRegistry& offices, common::FileSystem& fs, const common::Clock& clock,
                           std::string inboundDir, InboundOptions options)
    : store_(store), partners_(partners), offices_(offices), fs_(fs), clock_(clock), dir_(std::move(inboundDir)),
      options_(std::move(options)) {}

std::string InboundFaxes::officeOfSender(const std::string& sender) const {
    if (sender.empty()) return "";
    auto directory = partners_.current();
    if (!directory) return "";
    const auto registry = offices_.current();
    for (const partners::Partner* p : directory->search("", "")) {
        if (partners::normalizeFaxNumber(p->fax) != sender) continue;
        auto faxing = store_.officesFaxing(p->id);
        if (!faxing) return "";
        std::vector<std::string> registered;
        for (const std::string& office : faxing.value())
            if (registry->find(office)) registered.push_back(office);
        return registered.size() == 1 ? registered.front() : "";
    }
    return "";
}

Status InboundFaxes::prepare() {
    for (const std::string& d : {dir_, dir_ + "/tmp", dir_ + "/done", dir_ + "/failed"}) {
        Status made = fs_.createDirs(d, 0700);
        if (!made) return made;
    }
    return Status::ok();
}

Result<int> InboundFaxes::collect() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto names = fs_.listDir(dir_);
    if (!names) return names.status();
    int handled = 0;
    Status first;
    for (const std::string& name : names.value()) {
        if (name.empty() || name[0] == '.' || name == "tmp" || name == "done" || name == "failed") continue;
        if (endsWith(name, ".json") || endsWith(name, ".tmp")) continue;  // control files go with their fax
        try {
            if (!Poco::File(dir_ + "/" + name).isFile()) continue;
        } catch (const Poco::Exception&) {
            continue;  // gone meanwhile
        }
        Status done = handle(name);
        if (done) {
            ++handled;
        } else if (first) {
            first = done;
        }
    }
    if (!first) return first;
    return handled;
}

Status InboundFaxes::moveAway(const std::string& name, const std::string& dir) {
    std::vector<std::string> files{name};
    const std::string control = stem(name) + ".json";
    auto there = fs_.exists(dir_ + "/" + control);
    if (there && there.value()) files.push_back(control);
    for (const std::string& f : files) {
        std::string target = dir_ + "/" + dir + "/" + f;
        auto taken = fs_.exists(target);
        if (taken && taken.value()) target += "." + common::newJobId();  // a second file of the same name
        Status moved = fs_.rename(dir_ + "/" + f, target);
        if (!moved) return moved;
    }
    return fs_.syncDir(dir_);
}

Status InboundFaxes::handle(const std::string& name) {
    ops::ServiceMetrics& metrics = ops::serviceMetrics();
    ops::Timer timed(metrics.inboundFileSeconds.labels({}));
    const std::string path = dir_ + "/" + name;
    Poco::Logger& log = Poco::Logger::get("renkei.inbound");
    jobs::ReceivedFile file;
    file.name = name.size() > kMaxNameLength ? name.substr(0, kMaxNameLength) : name;

    // The control file, when the gateway wrote one (before the fax).
    Control control;
    auto controlText = fs_.readFile(dir_ + "/" + stem(name) + ".json");
    if (controlText && controlText.value().size() <= 64 * 1024) control = readControl(controlText.value());
    if (control.receivedAt.empty()) control.receivedAt = common::isoJst(clock_.now());

    long long size = 0;
    try {
        size = static_cast<long long>(Poco::File(path).getSize());
    } catch (const Poco::Exception& e) {
        return Status::ioError("received fax " + name + ": " + e.displayText());
    }
    std::string bytes;
    if (size <= options_.maxBytes) {
        auto read = fs_.readFile(path);
        if (!read) return read.status();
        bytes = std::move(read.value());
    }
    // A file too large to read is recorded by its name, size and time.
    file.sha256 =
        common::sha256Hex(size <= options_.maxBytes ? bytes : "too large\n" + name + "\n" + std::to_string(size));
    auto seen = store_.receivedFileSeen(file.sha256);
    if (!seen) return seen.status();
    if (seen.value()) {
        log.information("received fax %s was handled before (same SHA-256); not attached again", name);
        Status moved = moveAway(name, "done");
        if (moved) metrics.inboundFiles.labels({}).inc();
        return moved;
    }

    // The office an unmatched page is shown to (officeOfSender).
    const std::string office = officeOfSender(control.sender);
    auto toInbox = [&](const std::string& reason, const std::string& message, std::string format, std::string data,
                       int page) {
        jobs::InboxEntry e;
        e.receivedAt = control.receivedAt;
        e.sender = control.sender;
        e.office = office;
        e.reason = reason;
        e.reasonMessage = message;
        e.format = std::move(format);
        e.bytes = std::move(data);
        e.sourceName = file.name;
        e.sourceSha256 = file.sha256;
        e.sourcePage = page;
        file.inbox.push_back(std::move(e));
    };

    // Pages.
    size_t matchedPages = 0;
    Result<std::vector<inbound::Bitmap>> pages = Status::invalidArgument("not a PDF or TIFF file");
    if (size > options_.maxBytes) {
        pages = Status::invalidArgument("the file has " + std::to_string(size) + " bytes, more than " +
                                        std::to_string(options_.maxBytes));
    } else if (bytes.compare(0, 5, "%PDF-") == 0) {
        pages = inbound::rasterizePdf(bytes, kPdfXDpi, kPdfYDpi, options_.limits);
    } else if (bytes.compare(0, 4, std::string("II*\0", 4)) == 0 || bytes.compare(0, 4, std::string("MM\0*", 4)) == 0) {
        pages = inbound::readTiff(bytes, options_.limits);
    }
    if (!pages) {
        file.outcome = "unreadable";
        toInbox(size > options_.maxBytes ? "too_large" : "unreadable_file", pages.status().message(), "original",
                bytes, 0);
    } else {
        // Each page to the job its codes name.
        std::map<std::string, std::optional<std::string>> jobOfRef;  // ref -> job id (nullopt: unknown)
        std::vector<std::string> order;                              // jobs in order of first page
        std::map<std::string, std::string> officeOfJob;
        std::map<std::string, std::vector<std::pair<int, reply::PageCode>>> byJob;
        const auto& images = pages.value();
        for (size_t i = 0; i < images.size(); ++i) {
            const int pageNo = static_cast<int>(i) + 1;
            std::vector<PageMatch> matches;
            const auto codes = inbound::readCodes(images[i]);
            for (const reply::PageCode& code : codes) {
                auto known = jobOfRef.find(code.ref);
                if (known == jobOfRef.end()) {
                    auto job = store_.findByReplyRef(code.ref);
                    if (!job && job.status().code() != Status::Code::NotFound) return job.status();
                    known = jobOfRef.emplace(code.ref, job ? std::optional<std::string>(job.value().id) : std::nullopt)
                                .first;
                    if (job) officeOfJob[job.value().id] = job.value().office;
                }
                if (known->second) matches.push_back({*known->second, code});
            }
            std::string jobId;
            bool several = false;
            for (const PageMatch& m : matches) {
                if (!jobId.empty() && m.jobId != jobId) several = true;
                jobId = m.jobId;
            }
            const auto pagePdf = [&] { return inbound::pagesToPdf({images[i]}); };
            if (codes.empty()) {
                toInbox("no_code", "no readable reply code on page " + std::to_string(pageNo), "pdf", pagePdf(), pageNo);
            } else if (matches.empty()) {
                toInbox("unknown_reference", "the reply code on page " + std::to_string(pageNo) + " names no job", "pdf",
                        pagePdf(), pageNo);
            } else if (several) {
                toInbox("several_jobs", "page " + std::to_string(pageNo) + " carries codes of several jobs", "pdf",
                        pagePdf(), pageNo);
            } else {
                // The whole page's code says most; a reply half's says which half it is.
                reply::PageCode best = matches.front().code;
                for (const PageMatch& m : matches)
                    if (m.code.part == reply::CodePart::Page) best = m.code;
                if (!byJob.count(jobId)) order.push_back(jobId);
                byJob[jobId].emplace_back(pageNo, best);
            }
        }
        for (const std::string& jobId : order) {
            matchedPages += byJob[jobId].size();
            jobs::ReceivedReply r;
            r.jobId = jobId;
            r.receivedAt = control.receivedAt;
            r.sender = control.sender;
            r.sourceSha256 = file.sha256;
            Array pageList;
            std::vector<inbound::Bitmap> mine;
            for (const auto& [pageNo, code] : byJob[jobId]) {
                Object p;
                p.set("page", pageNo);
                p.set("document", code.document);
                p.set("sentPage", code.page);
                p.set("part", std::string(partName(code.part)));
                pageList.add(p);
                mine.push_back(images[static_cast<size_t>(pageNo) - 1]);
            }
            r.pagesJson = json(pageList);
            r.pdf = inbound::pagesToPdf(mine);
            Object detail;
            detail.set("receivedAt", control.receivedAt);
            detail.set("sender", control.sender);
            detail.set("file", file.name);
            detail.set("fileSha256", file.sha256);
            detail.set("filePages", static_cast<int>(images.size()));
            detail.set("pages", pageList);
            // The code is the authority: a page of another office's job (the
            // sender's number points elsewhere) still goes to the job it names,
            // and the event says so.
            if (!office.empty() && office != officeOfJob[jobId]) {
                detail.set("senderOffice", office);
                log.warning("received fax %s: pages for job %s of office %s came from a number of office %s", name,
                            jobId, officeOfJob[jobId], office);
            }
            file.replyEventDetails.push_back(json(detail));
            file.replies.push_back(std::move(r));
        }
        file.outcome = file.inbox.empty() ? "matched" : file.replies.empty() ? "inbox" : "partly_matched";
    }

    Status recorded = store_.recordReceivedFile(file, kActor);
    if (!recorded && recorded.code() != Status::Code::Conflict) return recorded;
    log.information("received fax %s: %s, %z replies, %z inbox entries", name, file.outcome, file.replies.size(),
                    file.inbox.size());
    if (recorded) {  // counted once, by the round that recorded it
        metrics.inboundFiles.labels({}).inc();
        if (file.outcome == "unreadable") {
            metrics.inboundFilesFailed.labels({}).inc();
        } else {
            metrics.inboundPages.labels({"inbox"}).inc(static_cast<double>(file.inbox.size()));
            metrics.inboundPages.labels({"matched"}).inc(static_cast<double>(matchedPages));
        }
    }
    return moveAway(name, file.outcome == "unreadable" ? "failed" : "done");
}

Result<long long> InboundFaxes::assign(long long entryId, const std::string& typedReference, const std::string& office,
                                       bool allOffices, const std::string& actor) {
    auto ref = reply::parseReplyRef(typedReference);
    if (!ref)
        return Status::invalidArgument("the reference fails its check",
                                       {{"reference", "invalid_reference", "照会番号が正しくありません"}});
    auto entry = store_.inboxEntry(entryId);
    if (!entry) return entry.status();
    if (!allOffices && entry.value().office != office) return Status::notFound("no inbox entry " + std::to_string(entryId));
    auto job = store_.findByReplyRef(*ref);
    if (!job) return job.status();
    if (!allOffices && job.value().office != office) return Status::notFound("no job with this reference");
    if (entry.value().format != "pdf")
        return Status::invalidArgument("the entry holds no readable page",
                                       {{"id", "unreadable_entry", "読み取れないファイルは割り当てられません"}});
    Array pageList;
    Object p;
    p.set("page", entry.value().sourcePage);
    p.set("assignedBy", actor);
    pageList.add(p);
    Object detail;
    detail.set("receivedAt", entry.value().receivedAt);
    detail.set("sender", entry.value().sender);
    detail.set("file", entry.value().sourceName);
    detail.set("fileSha256", entry.value().sourceSha256);
    detail.set("inboxId", entryId);
    detail.set("reference", *ref);
    detail.set("pages", pageList);
    return store_.assignInboxEntry(entryId, job.value().id, json(pageList), actor, json(detail));
}

}  // namespace app
