#include "app/job_service.h"

#include <Poco/Logger.h>

#include "app/job_records.h"
#include "common/utf8.h"
#include "form/wareki.h"
#include "render/pdf_inspect.h"

namespace app {
namespace {

using common::Status;
using Poco::JSON::Object;

// The delivery's and the intake's options with the service's test hook.
DeliveryOptions withHook(DeliveryOptions delivery, const JobServiceOptions& o) {
    delivery.stepHook = o.stepHook;
    return delivery;
}
IntakeOptions withHook(IntakeOptions intake, const JobServiceOptions& o) {
    intake.stepHook = o.stepHook;
    return intake;
}

}  // namespace

JobService::JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
                       const partners::PartnerRegistry& partners, const offices::OfficeRegistry& offices,
                       const common::Clock& clock, common::FileSystem& fs, JobServiceOptions options,
                       const spool::CupsPrinter* printer)
    : store_(store), spool_(spool), clock_(clock), options_(std::move(options)),
      composer_(documents, store, partners, offices, clock, options_.limits),
      delivery_(store, spool, composer_, clock, fs, withHook(options_.delivery, options_), printer),
      intake_(documents, store, partners, offices, composer_, delivery_, clock, withHook(options_.intake, options_),
              options_.limits),
      results_(store, spool, clock, printer) {}

common::Result<SubmitResult> JobService::submit(const Object::Ptr& body, const std::string& idempotencyKey,
                                                const std::string& office, const std::string& actor) {
    return intake_.submit(body, idempotencyKey, office, actor);
}

common::Status JobService::process(const jobs::Job& start, const std::string& actor) {
    jobs::Job job = start;
    jobs::JobChanges changes;
    std::string frozenCopy;  // what goes out, when it was frozen before a crash
    if (job.state == jobs::JobState::Accepted || job.state == jobs::JobState::Rendering) {
        const bool fax = job.channel == jobs::Channel::Fax;
        // A crash after the copy was frozen: it is what goes out, never a re-render.
        common::Result<std::string> frozen =
            fax ? common::Result<std::string>(Status::notFound("composed when sent")) : store_.document(job.id, "pdf");
        if (frozen) {
            auto pages = render::pdfPageCount(frozen.value());
            if (!pages) return pages.status();
            changes.pageCount = pages.value();
            frozenCopy = std::move(frozen.value());
        } else {
            auto request = composer_.requestOf(job);
            if (!request) return failJob(store_, job, "render_failed", request.status().message(), actor);
            auto rendered = composer_.render(job, request.value(), job.createdAt);
            if (!rendered) {
                // Busy is not broken: the job stays accepted and the next start renders it.
                if (rendered.status().code() != Status::Code::Unavailable)
                    warnIfFailed(job.id, "not marked failed",
                                 failJob(store_, job, "render_failed", rendered.status().message(), actor));
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
    if (job.channel == jobs::Channel::Fax) return delivery_.sendOut(job, actor, "");
    return delivery_.sendOut(job, actor, changes.documents.empty() ? frozenCopy : changes.documents.back().bytes);
}

common::Result<int> JobService::recover() {
    auto pending = store_.unfinished();
    if (!pending) return pending.status();
    int tried = 0, unfinished = 0;
    Status first;
    for (const auto& job : pending.value()) {
        if (job.state == jobs::JobState::Held) continue;  // waits for its hold window
        Status done = process(job, "recovery");
        warnIfFailed(job.id, "not finished at recovery", done);
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

common::Result<int> JobService::releaseDueHeld() { return delivery_.releaseDueHeld(); }

common::Result<int> JobService::redeliverDue() { return delivery_.redeliverDue(); }

common::Result<int> JobService::collectResults() { return results_.collect(); }

common::Result<int> JobService::adoptOrphans() {
    const DeliveryOptions& d = options_.delivery;
    if (!d.shared) return 0;  // one instance: recover() at start finishes what it left
    const long long nowUs = clock_.now().epochMicroseconds();
    // A few per round: a round must stay short, and the rest come next round.
    auto orphans = store_.orphans(d.owner, nowUs - d.claimMs * 1000, nowUs, d.takeOverExpired, 16);
    if (!orphans) return orphans.status();
    int finished = 0;
    for (const jobs::Job& job : orphans.value()) {
        if (delivery_.waiting(job.id)) continue;
        Status done = process(job, "takeover");
        if (done) ++finished;
        // Conflict: another instance got there first. Anything else is logged
        // by the job's own delivery, and the job stays an orphan for later.
        else if (done.code() != Status::Code::Conflict)
            warnIfFailed(job.id, "not taken over", done);
    }
    return finished;
}

common::Status JobService::cancel(const std::string& jobId, const std::string& actor) {
    auto job = store_.get(jobId);
    if (!job) return job.status();
    if (job->state != jobs::JobState::Held)
        return Status::conflict("ジョブは「" + jobs::stateName(job->state) + "」のため取り消せません(取り消しは送信待ちの間だけです)。",
                                "not_cancellable", jobId);
    step("cancel.read");
    Status moved = store_.transitionFrom(jobId, jobs::JobState::Held, jobs::JobState::Cancelled, "cancelled", actor, "{}");
    if (moved.code() == Status::Code::Conflict)
        return Status::conflict("ジョブはすでに送信処理に入ったため取り消せません。", "not_cancellable", jobId);
    return moved;
}

common::Status JobService::retry(const std::string& jobId, const std::string& actor) {
    auto job = store_.get(jobId);
    if (!job) return job.status();
    if (job->state != jobs::JobState::Failed)
        return Status::conflict("再送できるのは失敗したジョブだけです(現在: " + jobs::stateName(job->state) + ")。",
                                "not_retryable", jobId);
    Status archived = spool_.archiveAttempt(jobs::channelName(job->channel), jobId, job->attempt + 1);
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
    return rendered ? delivery_.deliver(fresh.value(), actor) : process(fresh.value(), actor);
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
    // Only the event: the job's receipt column (written by earlier versions,
    // each confirmation over the last) stays as it is, read only for jobs
    // that have no receipt_confirmed event (see historyOf).
    return store_.appendEvent(jobId, "receipt_confirmed", actor, stringify(receipt));
}

JobService::Recorded JobService::recordDelivered(const std::string& jobId, const Object::Ptr& body,
                                                 const std::string& actor) {
    auto job = store_.get(jobId);
    if (!job) return {job.status(), ""};
    auto events = store_.events(jobId);
    if (!events) return {events.status(), ""};
    if (auto refusal = deliveredRefusal(job.value(), historyOf(job.value(), events.value())))
        return {Status::conflict(refusal->message), refusal->code};
    auto detail = deliveredDetail(body, job.value(), clock_.now().epochMicroseconds());
    if (!detail) return {detail.status(), ""};
    // Two records racing past the check above both land; the evidence counts
    // the first (historyOf keeps them in order).
    return {store_.appendEvent(jobId, "delivered", actor, detail.value()), ""};
}

common::Result<std::string> JobService::document(const jobs::Job& job, const std::string& format,
                                                 const std::string& actor) {
    auto frozen = store_.document(job.id, format);
    std::string bytes;
    if (frozen) {
        bytes = std::move(frozen.value());
    } else if (format != "xlsx" || frozen.status().code() != Status::Code::NotFound) {
        if (frozen.status().code() == Status::Code::NotFound && format == "fax_pdf" && job.channel == jobs::Channel::Fax)
            return Status::notFound("ジョブ " + job.id + " のFAXはまだ送信されていません(送信時に作成されます)。");
        if (frozen.status().code() == Status::Code::NotFound)
            return Status::notFound("ジョブ " + job.id + " の " + format + " はありません。");
        return frozen.status();
    } else {
        auto rendered = composer_.composeXlsx(job);
        if (!rendered) return rendered.status();
        Status put = store_.putDocument(job.id, "xlsx", rendered.value());
        if (!put && put.code() != Status::Code::Conflict) return put;
        bytes = std::move(rendered.value());
    }
    Object::Ptr detail = new Object;
    detail->set("format", format);
    // The document is answered even when its download is not in the history.
    warnIfFailed(job.id, "downloaded event not written",
                 store_.appendEvent(job.id, "downloaded", actor, stringify(detail)));
    return bytes;
}

}  // namespace app
