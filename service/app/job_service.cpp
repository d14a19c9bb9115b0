#include "app/job_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <sstream>

#include "common/ids.h"
#include "common/utf8.h"
#include "form/validator.h"
#include "form/wareki.h"
#include "common/file_system.h"
#include "render/pdf_inspect.h"

namespace app {
namespace {

using common::Status;
using Poco::JSON::Array;
using Poco::JSON::Object;

const char* kCoverSheet = "fax-cover";

// A job that keeps failing to go out is logged again at most this often, so a
// full disk does not flood the log with one line per job per retry.
constexpr long long kUndeliveredLogIntervalUs = 60LL * 1000000;

Poco::Logger& deliveryLog() { return Poco::Logger::get("renkei.delivery"); }

std::string stringify(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
}

Object::Ptr parseObject(const std::string& json) {
    if (json.empty()) return new Object;
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

std::string warningsJson(const std::vector<std::string>& warnings) {
    Array::Ptr list = new Array;
    for (const auto& w : warnings) {
        Object::Ptr item = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        size_t colon = w.find(':');
        item->set("code", w.substr(0, colon));
        item->set("message", colon == std::string::npos ? w : w.substr(colon + 2));
        list->add(item);
    }
    return stringify(list);
}

// The "rendered" event's detail.
std::string renderedDetail(int pageCount) {
    Object::Ptr detail = new Object;
    detail->set("pages", pageCount);
    return stringify(detail);
}

layout::MaskMode layoutMask(partners::MaskMode mode) {
    switch (mode) {
    case partners::MaskMode::Initials: return layout::MaskMode::Initials;
    case partners::MaskMode::Partial: return layout::MaskMode::Partial;
    default: return layout::MaskMode::None;
    }
}

std::string deliveryJsonOf(const JobRequest& r) {
    Object::Ptr d = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    d->set("channel", r.channel);
    if (r.channel == "fax") {
        if (!r.partnerId.empty()) d->set("partner", r.partnerId);
        d->set("name", r.recipient.name);
        d->set("department", r.recipient.department);
        d->set("person", r.recipient.person);
        d->set("faxNumber", r.faxDigits);
        d->set("faxDisplay", r.recipient.fax);
        d->set("verified", r.verifiedNumber);
        d->set("mask", partners::maskName(r.mask));
    }
    if (!r.attachments.empty()) d->set("attachments", static_cast<int>(r.attachments.size()));
    return stringify(d);
}

}  // namespace

struct JobService::Rendered {
    std::string pdf;     // every document with full data, then the attachments
    std::string faxPdf;  // fax only: cover, masked documents, attachments
    int pageCount = 0;   // pages of what goes out
    std::vector<std::string> warnings;

    // The copy frozen when the job is accepted, moved out of the render: the
    // PDF with full data. A fax is frozen as it goes out (composeFax), since
    // its cover carries the time it is handed to the gateway.
    std::vector<jobs::FrozenDocument> takeCopies() {
        std::vector<jobs::FrozenDocument> copies;
        copies.push_back({"pdf", std::move(pdf)});
        return copies;
    }
};

JobService::JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
                       const partners::PartnerRegistry& partners, const common::Clock& clock,
                       JobServiceOptions options, const spool::CupsPrinter* printer)
    : documents_(documents), store_(store), spool_(spool), partners_(partners), clock_(clock),
      options_(std::move(options)), printer_(printer),
      submissions_(options_.concurrentSubmissions, options_.submissionQueue, "ジョブ受付", 3) {}

common::Result<SubmitResult> JobService::submit(const Object::Ptr& body, const std::string& idempotencyKey,
                                                const std::string& office, const std::string& actor) {
    auto turn = submissions_.acquire();
    if (!turn) return turn.status();
    auto parsed = parseJobRequest(body, documents_, *partners_.current(), options_.limits);
    if (!parsed) return parsed.status();
    const JobRequest& request = parsed.value();
    const std::string canonical = stringify(body);
    const long long nowUs = clock_.now().epochMicroseconds();
    {
        std::lock_guard<std::mutex> lock(resultsMutex_);
        if (nowUs - lastPurgeUs_ > 3600LL * 1000000) {
            lastPurgeUs_ = nowUs;
            store_.purgeIdempotencyKeys(nowUs - options_.idempotencyKeepSeconds * 1000000);
        }
    }
    if (!idempotencyKey.empty()) {
        auto earlier = store_.findByIdempotencyKey(idempotencyKey);
        if (earlier) {
            if (earlier->requestJson != canonical || earlier->office != office)
                return Status::conflict("この Idempotency-Key は別の内容で使用済みです(ジョブ " + earlier->id + ")。");
            return SubmitResult{earlier.value(), true};
        }
    }
    const std::string hash = common::sha256Hex(request.identityJson());
    if (!request.allowDuplicate) {
        auto duplicate = store_.findRecentDuplicate(hash, nowUs - options_.duplicateWindowSeconds * 1000000);
        if (duplicate && duplicate->state != jobs::JobState::Cancelled && duplicate->office == office)
            return Status::conflict("同じ内容のジョブ " + duplicate->id +
                                    " が直前に受け付けられています。意図した再送なら allow_duplicate を true にしてください。");
    }

    jobs::Job job;
    job.id = common::newJobId();
    job.sheetId = request.documents.front().sheet->id;
    job.channel = request.channel;
    job.destination = request.destination();
    job.requestJson = canonical;
    job.requestHash = hash;
    job.office = office;
    job.deliveryJson = deliveryJsonOf(request);
    if (!idempotencyKey.empty()) job.idempotencyKey = idempotencyKey;
    if (!request.patientRef.empty()) job.patientRef = request.patientRef;
    return accept(job, request, actor);
}

common::Result<SubmitResult> JobService::accept(jobs::Job& job, const JobRequest& request, const std::string& actor) {
    // A render slot before anything is stored: when the server is saturated
    // the client gets 503 and nothing half-made is left behind.
    auto slot = documents_.reserveRender();
    if (!slot) return slot.status();
    const Poco::Timestamp acceptedAt = clock_.now();  // printed on the documents
    job.createdAtUs = acceptedAt.epochMicroseconds();
    job.createdAt = common::isoJst(acceptedAt);

    // Rendered before it is stored, so that accepting the job and freezing
    // its documents take one transaction and one sync, and the render turn is
    // given back before any I/O.
    // A fax is rendered whole here too, so that a request whose fax cannot be
    // made is refused now; what goes out is composed again when it is sent.
    auto rendered = renderJob(job, request, job.createdAt);
    slot.value().release();
    if (!rendered && rendered.status().code() == Status::Code::Unavailable) return rendered.status();
    std::vector<jobs::FrozenDocument> frozen;
    Status created;
    if (rendered) {
        job.state = jobs::JobState::Rendered;
        job.pageCount = rendered->pageCount;
        job.warningsJson = warningsJson(rendered->warnings);
        frozen = rendered->takeCopies();
        created = store_.createRendered(job, actor, frozen, renderedDetail(job.pageCount));
    } else {
        created = store_.create(job, actor);  // a failed render is recorded on the job (below)
    }
    if (created.code() == Status::Code::Conflict && job.idempotencyKey) {
        // Another request with the same key won the race: answer as a replay.
        auto earlier = store_.findByIdempotencyKey(*job.idempotencyKey);
        if (earlier && earlier->requestJson == job.requestJson) return SubmitResult{earlier.value(), true};
        return Status::conflict("この Idempotency-Key は別の内容で使用済みです。");
    }
    if (!created) return created;
    if (rendered) sendOut(job, actor, job.channel == "fax" ? "" : frozen.back().bytes);
    else fail(job, "render_failed", rendered.status().message(), actor);
    auto now = store_.get(job.id);
    if (!now) return now.status();
    return SubmitResult{now.value(), false};
}

common::Result<JobRequest> JobService::requestOf(const jobs::Job& job) const {
    Object::Ptr body;
    try {
        body = parseObject(job.requestJson);
    } catch (const Poco::Exception& e) {
        return Status::internal("job " + job.id + ": stored request unreadable: " + e.displayText());
    }
    auto request = parseJobRequest(body, documents_, *partners_.current(), options_.limits);
    if (!request)
        return Status::internal("job " + job.id + ": stored request no longer valid: " + request.status().message());
    return request;
}

common::Result<JobService::Rendered> JobService::renderJob(const jobs::Job& job, const JobRequest& request,
                                                           const std::string& sentAtIso) const {
    Rendered out;
    // A masked fax hides every patient of the fax on every page, the cover included.
    std::vector<layout::PersonName> patients;
    for (const auto& d : request.documents) patients.push_back(layout::patientName(d.data));
    auto layouts = [&](layout::MaskMode mask) {
        std::vector<layout::Document> docs;
        for (const auto& d : request.documents) {
            layout::BuildOptions options;
            options.documentId = job.id;
            options.createdIso = job.createdAt;
            options.mask = mask;
            options.maskNames = patients;
            docs.push_back(documents_.layout(*d.sheet, d.data, options));
        }
        return docs;
    };
    std::vector<std::string> attachments;
    int attachmentPages = 0;
    for (const auto& a : request.attachments) {
        attachments.push_back(a.bytes);
        attachmentPages += a.pages;
    }
    auto full = documents_.render(layouts(layout::MaskMode::None), Format::Pdf);
    if (!full) return full.status();
    auto pdf = render::appendPdfs(full->bytes, attachments);
    if (!pdf) return pdf.status();
    out.pdf = std::move(pdf.value());
    out.warnings = full->warnings;
    out.pageCount = full->pageCount + attachmentPages;
    if (job.channel != "fax") return out;

    // The fax: a cover with the total page count, then the masked sheets.
    std::vector<layout::Document> masked = layouts(layoutMask(request.mask));
    int maskedPages = 0;
    for (const auto& d : masked) maskedPages += static_cast<int>(d.pages.size());
    const form::SheetTemplate* coverSheet = documents_.templates().find(kCoverSheet);
    if (!coverSheet) return Status::internal("the fax-cover template is missing");
    int coverPages = 1;
    layout::Document cover;
    for (int pass = 0; pass < 2; ++pass) {  // a long message may give the cover a 別紙 page
        auto fields = coverFields(request, sentAtIso, coverPages + maskedPages + attachmentPages);
        auto data = documents_.validate(kCoverSheet, fields, "cover");
        if (!data) return data.status();
        layout::BuildOptions options;
        options.documentId = job.id;
        options.createdIso = job.createdAt;
        options.mask = layoutMask(request.mask);
        options.maskNames = patients;
        cover = documents_.layout(*coverSheet, data.value(), options);
        if (static_cast<int>(cover.pages.size()) == coverPages) break;
        coverPages = static_cast<int>(cover.pages.size());
    }
    masked.insert(masked.begin(), cover);
    auto fax = documents_.render(masked, Format::Pdf);
    if (!fax) return fax.status();
    auto faxPdf = render::appendPdfs(fax->bytes, attachments);
    if (!faxPdf) return faxPdf.status();
    out.faxPdf = std::move(faxPdf.value());
    out.pageCount = fax->pageCount + attachmentPages;
    return out;
}

common::Status JobService::fail(const jobs::Job& job, const std::string& code, const std::string& message,
                                const std::string& actor) {
    jobs::JobChanges failure;
    failure.errorCode = code;
    failure.errorMessage = message;
    Object::Ptr detail = new Object;
    detail->set("reason", code);
    return store_.transition(job.id, jobs::JobState::Failed, "failed", actor, stringify(detail), failure);
}

common::Status JobService::process(const jobs::Job& start, const std::string& actor) {
    jobs::Job job = start;
    jobs::JobChanges changes;
    std::string frozenCopy;  // what goes out, when it was frozen before a crash
    if (job.state == jobs::JobState::Accepted || job.state == jobs::JobState::Rendering) {
        const bool fax = job.channel == "fax";
        // A crash after the copy was frozen: it is what goes out, never a re-render.
        common::Result<std::string> frozen =
            fax ? common::Result<std::string>(Status::notFound("composed when sent")) : store_.document(job.id, "pdf");
        if (frozen) {
            auto pages = render::pdfPageCount(frozen.value());
            if (!pages) return pages.status();
            changes.pageCount = pages.value();
            frozenCopy = std::move(frozen.value());
        } else {
            auto request = requestOf(job);
            if (!request) return fail(job, "render_failed", request.status().message(), actor);
            auto rendered = renderJob(job, request.value(), job.createdAt);
            if (!rendered) {
                // Busy is not broken: the job stays accepted and the next start renders it.
                if (rendered.status().code() != Status::Code::Unavailable)
                    fail(job, "render_failed", rendered.status().message(), actor);
                return rendered.status();
            }
            // Frozen with the state change: one transaction, one sync.
            changes.documents = rendered->takeCopies();
            changes.pageCount = rendered->pageCount;
            changes.warningsJson = warningsJson(rendered->warnings);
        }
        Status moved = store_.transition(job.id, jobs::JobState::Rendered, "rendered", actor,
                                         renderedDetail(*changes.pageCount), changes);
        if (!moved) return moved;
        // The checked transition succeeded, so this is what the store now holds.
        job.state = jobs::JobState::Rendered;
        job.pageCount = *changes.pageCount;
        if (changes.warningsJson) job.warningsJson = *changes.warningsJson;
    }
    if (job.state != jobs::JobState::Rendered) return Status::ok();
    // The PDF at hand, so deliver() need not read it back; empty when none is
    // (and for a fax, which is composed as it goes out).
    if (job.channel == "fax") return sendOut(job, actor, "");
    return sendOut(job, actor, changes.documents.empty() ? frozenCopy : changes.documents.back().bytes);
}

common::Status JobService::sendOut(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    if (job.channel == "fax" && job.heldUntilUs == 0 && options_.faxHoldSeconds > 0) {
        // The undo window: a wrong destination can still be cancelled.
        jobs::JobChanges hold;
        hold.heldUntilUs = clock_.now().epochMicroseconds() + options_.faxHoldSeconds * 1000000;
        Object::Ptr detail = new Object;
        detail->set("until", common::isoJst(Poco::Timestamp(*hold.heldUntilUs)));
        // Deferred: a held job lost to a power loss is rendered again, and held again at restart.
        Status held = store_.transition(job.id, jobs::JobState::Held, "held", actor, stringify(detail), hold,
                                        jobs::Sync::Deferred);
        noteSendOut(job.id, held);
        return held;
    }
    return deliver(job, actor, rendered);
}

common::Status JobService::deliver(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    // Only a rendered job goes out: held ones wait for their window (and may
    // still be cancelled), cancelled ones never leave.
    if (job.state != jobs::JobState::Rendered)
        return Status::conflict("job " + job.id + " is " + jobs::stateName(job.state) + ", not rendered");
    {
        std::lock_guard<std::mutex> lock(deliveryMutex_);
        // The spool takes one delivery of a job at a time (its temp files are
        // named after the job), and the dispatcher's retry may meet a retry().
        if (!delivering_.insert(job.id).second)
            return Status::unavailable("ジョブ " + job.id + " は送付処理中です。");
    }
    struct Release {
        JobService& service;
        const std::string& id;
        ~Release() {
            std::lock_guard<std::mutex> lock(service.deliveryMutex_);
            service.delivering_.erase(id);
        }
    } release{*this, job.id};
    Status delivered = deliverOnce(job, actor, rendered);
    noteSendOut(job.id, delivered);
    return delivered;
}

void JobService::noteSendOut(const std::string& jobId, const Status& outcome) {
    const long long nowUs = clock_.now().epochMicroseconds();
    int failures = 0;
    long long delayMs = 0;
    bool log = false;
    {
        std::lock_guard<std::mutex> lock(deliveryMutex_);
        auto it = undelivered_.find(jobId);
        if (outcome) {
            if (it == undelivered_.end()) return;
            failures = it->second.failures;
            undelivered_.erase(it);
            log = true;
        } else {
            Undelivered& u = undelivered_[jobId];
            u.delayMs = u.failures == 0 ? options_.redeliverFirstMs
                                        : std::min<long long>(u.delayMs * 2, options_.redeliverMaxMs);
            u.dueUs = nowUs + u.delayMs * 1000;
            ++u.failures;
            log = u.failures == 1 || nowUs - u.loggedUs >= kUndeliveredLogIntervalUs;
            if (log) u.loggedUs = nowUs;
            failures = u.failures;
            delayMs = u.delayMs;
        }
    }
    if (!log) return;
    if (outcome)
        deliveryLog().information("job %s: sent out after %d failed attempt(s)", jobId, failures);
    else
        deliveryLog().warning("job %s: not sent out (attempt %d failed, next in %.1f s): %s", jobId, failures,
                              delayMs / 1000.0, outcome.toString());
}

common::Result<int> JobService::redeliverDue() {
    const long long nowUs = clock_.now().epochMicroseconds();
    std::vector<std::string> due;
    {
        std::lock_guard<std::mutex> lock(deliveryMutex_);
        for (const auto& [id, u] : undelivered_)
            if (u.dueUs <= nowUs) due.push_back(id);
    }
    int sent = 0;
    for (const std::string& id : due) {
        auto job = store_.get(id);
        if (!job && job.status().code() != Status::Code::NotFound) {
            noteSendOut(id, job.status());  // unreadable now: the next try comes later
            continue;
        }
        // Gone, or moved on another way (spooled by a retry, failed): nothing
        // left to send out.
        if (!job || job->state != jobs::JobState::Rendered) {
            std::lock_guard<std::mutex> lock(deliveryMutex_);
            undelivered_.erase(id);
            continue;
        }
        if (sendOut(job.value(), "dispatcher", "")) ++sent;
    }
    return sent;
}

common::Status JobService::deliverOnce(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    const bool fax = job.channel == "fax";
    if (!fax && printer_) return deliverToCups(job, actor);
    auto where = spool_.locate(job.channel, job.id);
    if (!where) return where.status();
    if (where.value() == spool::SpoolLocation::None || where.value() == spool::SpoolLocation::Partial) {
        std::string stored;
        if (fax) {
            auto composed = composeFax(job);
            if (!composed) {
                const Status::Code code = composed.status().code();
                // Busy, or out of space: sent out again later. Anything else will not mend by itself.
                if (code == Status::Code::Unavailable || code == Status::Code::StorageFull ||
                    code == Status::Code::IOError)
                    return composed.status();
                fail(job, "render_failed", composed.status().message(), actor);
                return composed.status();
            }
            stored = std::move(composed.value());
        } else if (rendered.empty()) {
            auto frozen = store_.document(job.id, "pdf");
            if (!frozen) return frozen.status();
            stored = std::move(frozen.value());
        }
        const std::string& pdf = fax || rendered.empty() ? stored : rendered;
        Object::Ptr control = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        control->set("jobId", job.id);
        control->set("sheet", job.sheetId);
        control->set("channel", job.channel);
        control->set("file", job.id + ".pdf");
        control->set("pageCount", job.pageCount);
        control->set("sha256", common::sha256Hex(pdf));
        control->set("createdAt", job.createdAt);
        control->set("attempt", job.attempt + 1);
        if (fax) {
            Object::Ptr d = parseObject(job.deliveryJson);
            control->set("number", d->optValue<std::string>("faxNumber", ""));
            control->set("numberDisplay", d->optValue<std::string>("faxDisplay", ""));
            control->set("verified", d->optValue<bool>("verified", false));
            Object::Ptr recipient = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
            recipient->set("name", d->optValue<std::string>("name", ""));
            recipient->set("department", d->optValue<std::string>("department", ""));
            recipient->set("person", d->optValue<std::string>("person", ""));
            control->set("recipient", recipient);
        }
        Status delivered = spool_.deliver(job.channel, job.id, pdf, stringify(control));
        if (!delivered) {
            const bool full = delivered.code() == Status::Code::StorageFull;
            store_.appendEvent(job.id, "spool_error", actor,
                               full ? "{\"reason\":\"storage_full\"}" : "{\"reason\":\"io\"}");
            return delivered;
        }
    }
    Object::Ptr detail = new Object;
    detail->set("spool", job.channel);
    // Deferred: after a power loss, recover() finds the files in the spool and records this again.
    return store_.transition(job.id, jobs::JobState::Spooled, "spooled", actor, stringify(detail), {},
                             jobs::Sync::Deferred);
}

// The fax as it goes out: its cover says when it was handed to the gateway
// (after the hold window), and the copy frozen here is what the gateway gets.
// Composed once: a copy frozen by an earlier try (a crash, a full disk, a
// retry) is what goes out again.
common::Result<std::string> JobService::composeFax(const jobs::Job& job) {
    auto frozen = store_.document(job.id, "fax_pdf");
    if (frozen || frozen.status().code() != Status::Code::NotFound) return frozen;
    auto request = requestOf(job);
    if (!request) return request.status();
    auto rendered = renderJob(job, request.value(), common::isoJst(clock_.now()));
    if (!rendered) return rendered.status();
    Status put = store_.putDocument(job.id, "fax_pdf", rendered->faxPdf);
    if (!put) return put;
    return std::move(rendered->faxPdf);
}

// CUPS has no "submit exactly once": a crash between its answer and our
// record could print twice. So the intent is recorded first, and a job found
// with the intent but no CUPS id after a crash is failed for a person to
// check, never printed again by itself.
common::Status JobService::deliverToCups(const jobs::Job& job, const std::string& actor) {
    Object::Ptr delivery = parseObject(job.deliveryJson);
    if (delivery->has("cupsSubmitting") && !delivery->has("cupsJobId"))
        return fail(job, "print_unknown", "印刷キューへの送信中に中断しました。印刷されたか確認し、必要なら再送してください。", actor);
    auto pdf = store_.document(job.id, "pdf");
    if (!pdf) return pdf.status();
    // The file CUPS reads is written before the intent is recorded: a write
    // that fails (a full disk) then leaves the job as it was, to be tried
    // again, instead of marked as possibly printed.
    const std::string path = spool_.path("print", "tmp", job.id + ".cups.pdf");
    common::PosixFileSystem fs;
    Status written = fs.writeFileSynced(path, pdf.value());
    if (!written) {
        fs.remove(path);
        return written;
    }
    delivery->set("cupsQueue", printer_->queue());
    delivery->set("cupsSubmitting", true);
    jobs::JobChanges intent;
    intent.deliveryJson = stringify(delivery);
    Status marked = store_.update(job.id, intent, "print_submitting", actor, "{}");
    if (!marked) {
        fs.remove(path);
        return marked;
    }
    common::Result<int> cupsJob = printer_->submit(path, job.id);
    fs.remove(path);
    if (!cupsJob) {
        // Refused outright: nothing was queued, so a retry later is safe.
        delivery->remove("cupsSubmitting");
        jobs::JobChanges undo;
        undo.deliveryJson = stringify(delivery);
        store_.update(job.id, undo, "print_refused", actor, "{}");
        return fail(job, "print_refused", cupsJob.status().message(), actor);
    }
    delivery->set("cupsJobId", cupsJob.value());
    jobs::JobChanges changes;
    changes.deliveryJson = stringify(delivery);
    Object::Ptr detail = new Object;
    detail->set("cupsJobId", cupsJob.value());
    detail->set("queue", printer_->queue());
    return store_.transition(job.id, jobs::JobState::Spooled, "spooled", actor, stringify(detail), changes);
}

// Moves print jobs along with CUPS: completed -> sent, cancelled or aborted -> failed.
int JobService::followCups() {
    if (!printer_) return 0;
    jobs::JobFilter filter;
    filter.state = "spooled";
    filter.channel = "print";
    filter.limit = jobs::kMaxListLimit;
    auto spooled = store_.list(filter);
    if (!spooled) return 0;
    int changed = 0;
    for (const auto& job : spooled.value()) {
        Object::Ptr delivery = parseObject(job.deliveryJson);
        if (!delivery->has("cupsJobId")) continue;
        auto state = printer_->state(delivery->getValue<int>("cupsJobId"));
        if (!state || !state->isFinal()) continue;
        delivery->set("cupsState", spool::cupsJobPhaseName(state->phase));
        delivery->set("cupsReason", state->reason);
        jobs::JobChanges changes;
        changes.deliveryJson = stringify(delivery);
        Status moved;
        if (state->phase == spool::CupsJobPhase::Completed) {
            changes.sentAt = common::isoJst(clock_.now());
            moved = store_.transition(job.id, jobs::JobState::Sent, "sent", "cups", "{}", changes);
        } else {
            changes.errorCode = "print_" + spool::cupsJobPhaseName(state->phase);
            changes.errorMessage = "印刷されませんでした(" + state->reason + ")。";
            moved = store_.transition(job.id, jobs::JobState::Failed, "failed", "cups", "{}", changes);
        }
        if (moved) ++changed;
    }
    return changed;
}

common::Result<int> JobService::recover() {
    auto pending = store_.unfinished();
    if (!pending) return pending.status();
    int tried = 0, unfinished = 0;
    Status first;
    for (const auto& job : pending.value()) {
        if (job.state == jobs::JobState::Held) continue;  // waits for its hold window
        Status done = process(job, "recovery");
        if (!done && unfinished++ == 0) first = done;
        ++tried;
    }
    // Said at start even when each job's own line is there: a full disk at
    // start must not pass unnoticed behind a server that comes up.
    if (unfinished > 0)
        Poco::Logger::get("renkei").warning(
            "recovery left %d of %d job(s) unfinished (first: %s); those not sent out are tried again in the "
            "background, the others at the next start",
            unfinished, tried, first.toString());
    return tried - unfinished;
}

common::Result<int> JobService::releaseDueHeld() {
    auto due = store_.dueHeld(clock_.now().epochMicroseconds());
    if (!due) return due.status();
    int released = 0;
    for (const auto& job : due.value()) {
        // Claim first: once the job has left "held" a cancel is refused, so
        // nothing cancelled can reach the gateway.
        Status claimed =
            store_.transitionFrom(job.id, jobs::JobState::Held, jobs::JobState::Rendered, "released", "dispatcher", "{}");
        if (!claimed) continue;  // cancelled a moment ago
        step("dispatch.claimed");
        auto fresh = store_.get(job.id);
        if (fresh && deliver(fresh.value(), "dispatcher")) ++released;
    }
    return released;
}

common::Result<int> JobService::collectResults() {
    int changed = followCups();
    for (const char* channel : {"fax", "print"}) {
        auto results = spool_.results(channel);
        if (!results) return results.status();
        for (const auto& r : results.value()) {
            const std::string key = r.jobId + "#" + common::sha256Hex(r.json);
            {
                std::lock_guard<std::mutex> lock(resultsMutex_);
                if (settledResults_.count(key)) continue;
            }
            auto job = store_.get(r.jobId);
            if (job && job->state == jobs::JobState::Spooled) {
                Object::Ptr result;
                try {
                    result = parseObject(r.json);
                } catch (const Poco::Exception&) {
                    continue;  // half-written by a careless consumer: look again next time
                }
                const bool sent = result->optValue<std::string>("status", "") == "sent" && r.dir == "done";
                Object::Ptr delivery = parseObject(job->deliveryJson);
                delivery->set("result", result);
                jobs::JobChanges changes;
                changes.deliveryJson = stringify(delivery);
                std::string finished = result->optValue<std::string>("finishedAt", "");
                if (!form::parseIsoDateTimeJst(finished)) finished = common::isoJst(clock_.now());
                Status moved;
                if (sent) {
                    changes.sentAt = finished;
                    moved = store_.transition(r.jobId, jobs::JobState::Sent, "sent", "gateway", r.json, changes);
                } else {
                    std::string reason = result->optValue<std::string>("reason", "failed");
                    changes.errorCode = "delivery_failed";
                    changes.errorMessage = "送信できませんでした(" + reason + ")。";
                    moved = store_.transition(r.jobId, jobs::JobState::Failed, "failed", "gateway", r.json, changes);
                }
                if (moved) ++changed;
                else if (moved.code() != Status::Code::Conflict) continue;  // try again next scan
            }
            std::lock_guard<std::mutex> lock(resultsMutex_);
            settledResults_.insert(key);
        }
    }
    return changed;
}

common::Status JobService::cancel(const std::string& jobId, const std::string& actor) {
    auto job = store_.get(jobId);
    if (!job) return job.status();
    if (job->state != jobs::JobState::Held)
        return Status::conflict("ジョブは「" + jobs::stateName(job->state) + "」のため取り消せません(取り消しは送信待ちの間だけです)。");
    step("cancel.read");
    Status moved = store_.transitionFrom(jobId, jobs::JobState::Held, jobs::JobState::Cancelled, "cancelled", actor, "{}");
    if (moved.code() == Status::Code::Conflict) return Status::conflict("ジョブはすでに送信処理に入ったため取り消せません。");
    return moved;
}

common::Status JobService::retry(const std::string& jobId, const std::string& actor) {
    auto job = store_.get(jobId);
    if (!job) return job.status();
    if (job->state != jobs::JobState::Failed)
        return Status::conflict("再送できるのは失敗したジョブだけです(現在: " + jobs::stateName(job->state) + ")。");
    Status archived = spool_.archiveAttempt(job->channel, jobId, job->attempt + 1);
    if (!archived) return archived;
    const bool rendered = store_.document(jobId, "pdf").isOk();
    Object::Ptr detail = new Object;
    detail->set("attempt", job->attempt + 2);
    Status moved = store_.transition(jobId, rendered ? jobs::JobState::Rendered : jobs::JobState::Accepted, "retried",
                                     actor, stringify(detail));
    if (!moved) return moved;
    auto fresh = store_.get(jobId);
    if (!fresh) return fresh.status();
    // A retry is deliberate: it goes out now, without a second hold window.
    return rendered ? deliver(fresh.value(), actor) : process(fresh.value(), actor);
}

common::Status JobService::confirmReceipt(const std::string& jobId, const Object::Ptr& body, const std::string& actor) {
    std::vector<common::FieldError> errors;
    for (const auto& [key, value] : *body)
        if (key != "at" && key != "person" && key != "method")
            errors.push_back({key, "unknown_field", "「" + key + "」は指定できない項目です。"});
    std::string at = common::isoJst(clock_.now());
    if (body->has("at")) {
        Poco::Dynamic::Var v = body->get("at");
        if (!v.isString() || !form::parseIsoDateTimeJst(v.extract<std::string>()))
            errors.push_back({"at", "invalid_datetime", "受信確認の日時(at)は YYYY-MM-DDTHH:MM+09:00 で指定してください。"});
        else
            at = v.extract<std::string>();
    }
    Poco::Dynamic::Var person = body->has("person") ? body->get("person") : Poco::Dynamic::Var();
    long long len = person.isString() ? common::utf8Length(person.extract<std::string>()) : -1;
    if (len < 1 || len > 40) errors.push_back({"person", "required", "確認した相手の氏名(person)を40文字以内で指定してください。"});
    std::string method = "phone";
    if (body->has("method")) {
        static const std::set<std::string> kMethods = {"phone", "fax", "email", "in_person", "video", "other"};
        Poco::Dynamic::Var m = body->get("method");
        if (!m.isString() || !kMethods.count(m.extract<std::string>()))
            errors.push_back({"method", "invalid_option", "確認方法(method)は phone, fax, email, in_person, video, other のいずれかです。"});
        else
            method = m.extract<std::string>();
    }
    if (!errors.empty()) return Status::invalidArgument("invalid receipt", errors);
    auto job = store_.get(jobId);
    if (!job) return job.status();
    if (job->state != jobs::JobState::Spooled && job->state != jobs::JobState::Sent)
        return Status::conflict("まだ送付されていないジョブの受信確認は記録できません。");
    Object::Ptr receipt = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    receipt->set("at", at);
    receipt->set("person", person.extract<std::string>());
    receipt->set("method", method);
    jobs::JobChanges changes;
    changes.receiptJson = stringify(receipt);
    return store_.update(jobId, changes, "receipt_confirmed", actor, *changes.receiptJson);
}

common::Result<std::string> JobService::document(const jobs::Job& job, const std::string& format,
                                                 const std::string& actor) {
    auto frozen = store_.document(job.id, format);
    std::string bytes;
    if (frozen) {
        bytes = std::move(frozen.value());
    } else if (format != "xlsx" || frozen.status().code() != Status::Code::NotFound) {
        if (frozen.status().code() == Status::Code::NotFound && format == "fax_pdf" && job.channel == "fax")
            return Status::notFound("ジョブ " + job.id + " のFAXはまだ送信されていません(送信時に作成されます)。");
        if (frozen.status().code() == Status::Code::NotFound)
            return Status::notFound("ジョブ " + job.id + " の " + format + " はありません。");
        return frozen.status();
    } else {
        auto request = requestOf(job);
        if (!request) return request.status();
        std::vector<layout::Document> docs;
        for (const auto& d : request->documents) {
            layout::BuildOptions options;
            options.documentId = job.id;
            options.createdIso = job.createdAt;
            docs.push_back(documents_.layout(*d.sheet, d.data, options));
        }
        auto rendered = documents_.render(docs, Format::Xlsx);
        if (!rendered) return rendered.status();
        Status put = store_.putDocument(job.id, "xlsx", rendered->bytes);
        if (!put && put.code() != Status::Code::Conflict) return put;
        bytes = std::move(rendered->bytes);
    }
    Object::Ptr detail = new Object;
    detail->set("format", format);
    store_.appendEvent(job.id, "downloaded", actor, stringify(detail));
    return bytes;
}

}  // namespace app
