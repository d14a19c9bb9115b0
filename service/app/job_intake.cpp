#include "app/job_intake.h"

#include "reply/reply_ref.h"

#include <Poco/Logger.h>

#include "app/delivery.h"
#include "app/job_records.h"
#include "app/sender_block.h"
#include "app/workbook_intake.h"
#include "common/ids.h"

namespace app {

using common::Status;
using Poco::JSON::Object;

namespace {

// The sender block's refusals together with the request's other problems
// (those of the sender fields themselves left out: the block said them).
Status withOtherProblems(const Status& sender, const common::Result<JobRequest>& parsed) {
    std::vector<common::FieldError> errors = sender.fieldErrors();
    if (!parsed && parsed.status().code() == Status::Code::InvalidArgument)
        for (const auto& e : parsed.status().fieldErrors())
            if (e.field.find("sender_") == std::string::npos) errors.push_back(e);
    return Status::invalidArgument("invalid request", errors);
}

}  // namespace

JobIntake::JobIntake(const DocumentService& documents, jobs::JobStore& store,
                     const partners::PartnerRegistry& partners, const offices::OfficeRegistry& offices,
                     JobComposer& composer, JobDelivery& delivery, const common::Clock& clock, IntakeOptions options,
                     JobLimits limits)
    : documents_(documents), store_(store), partners_(partners), offices_(offices), composer_(composer),
      delivery_(delivery),
      clock_(clock), options_(options), limits_(limits),
      submissions_(options_.concurrentSubmissions, options_.submissionQueue, "ジョブ受付", 3) {}

common::Result<SubmitResult> JobIntake::submit(const Object::Ptr& body, const std::string& idempotencyKey,
                                                const std::string& office, const std::string& actor) {
    auto turn = submissions_.acquire();
    if (!turn) return turn.status();
    const auto officeDirectory = offices_.current();
    const offices::Office* sender = officeDirectory->find(office);
    if (!sender)
        return Status::conflict("事業所「" + office + "」は事業所一覧に登録されていないため、送信できません。", "unknown_office");
    // A document sent as a workbook becomes its fields first (issue 17).
    auto expanded = withImportedWorkbooks(body, documents_.templates(), options_.workbookLimits);
    if (!expanded) return expanded.status();
    auto filled = withSenderBlock(expanded.value(), documents_.templates(), *sender);
    auto parsed =
        parseJobRequest(filled ? filled.value() : expanded.value(), documents_, *partners_.current(), limits_);
    if (!filled) return withOtherProblems(filled.status(), parsed);
    if (!parsed) return parsed.status();
    const JobRequest& request = parsed.value();
    const std::string canonical = stringify(filled.value());
    const long long nowUs = clock_.now().epochMicroseconds();
    {
        std::lock_guard<std::mutex> lock(purgeMutex_);
        if (nowUs - lastPurgeUs_ > 3600LL * 1000000) {
            lastPurgeUs_ = nowUs;
            common::Status purged = store_.purgeIdempotencyKeys(nowUs - options_.idempotencyKeepSeconds * 1000000);
            if (!purged)  // old keys stay usable for replays a while longer; tried again in an hour
                Poco::Logger::get("renkei.jobs").warning("old idempotency keys not purged: %s", purged.toString());
        }
    }
    // Keys and duplicates are the office's own: nothing here finds, or
    // names, another office's job.
    if (!idempotencyKey.empty()) {
        auto earlier = store_.findByIdempotencyKey(office, idempotencyKey);
        if (earlier) {
            if (earlier->requestJson != canonical)
                return Status::conflict("この Idempotency-Key は別の内容で使用済みです(ジョブ " + earlier->id + ")。",
                                        "idempotency_key_reused", earlier->id);
            return SubmitResult{earlier.value(), true};
        }
        if (earlier.status().code() != Status::Code::NotFound) return earlier.status();
    }
    const std::string hash = common::sha256Hex(office + "\n" + request.identityJson());
    if (!request.allowDuplicate) {
        auto duplicate = store_.findRecentDuplicate(hash, nowUs - options_.duplicateWindowSeconds * 1000000);
        if (duplicate && duplicate->state != jobs::JobState::Cancelled && duplicate->office == office)
            return Status::conflict("同じ内容のジョブ " + duplicate->id +
                                        " が直前に受け付けられています。意図した再送なら allow_duplicate を true にしてください。",
                                    "duplicate_submission", duplicate->id);
        if (!duplicate && duplicate.status().code() != Status::Code::NotFound) return duplicate.status();
    }
    if (options_.stepHook) options_.stepHook("intake.checked");

    jobs::Job job;
    job.id = common::newJobId();
    job.sheetId = request.documents.front().sheet->id;
    job.channel = request.channel;
    job.destination = request.destination();
    job.requestJson = canonical;
    job.requestHash = hash;
    job.office = office;
    job.replyRef = reply::newReplyRef();
    job.deliveryJson = Delivery::of(request).toJson();
    if (!idempotencyKey.empty()) job.idempotencyKey = idempotencyKey;
    if (!request.patientRef.empty()) job.patientRef = request.patientRef;
    return accept(job, request, actor);
}

common::Result<SubmitResult> JobIntake::accept(jobs::Job& job, const JobRequest& request, const std::string& actor) {
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
    auto rendered = composer_.render(job, request, job.createdAt);
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
        auto earlier = store_.findByIdempotencyKey(job.office, *job.idempotencyKey);
        if (earlier && earlier->requestJson == job.requestJson) return SubmitResult{earlier.value(), true};
        if (!earlier) return Status::conflict("この Idempotency-Key は別の内容で使用済みです。", "idempotency_key_reused");
        return Status::conflict("この Idempotency-Key は別の内容で使用済みです(ジョブ " + earlier->id + ")。",
                                "idempotency_key_reused", earlier->id);
    }
    if (!created) return created;
    if (rendered)
        common::ignoreStatus(delivery_.sendOut(job, actor, job.channel == jobs::Channel::Fax ? "" : frozen.back().bytes),
                             "the job is committed: JobDelivery logs the failure and sends it out again later");
    else
        warnIfFailed(job.id, "not marked failed",
                     failJob(store_, job, "render_failed", rendered.status().message(), actor));
    auto now = store_.get(job.id);
    if (!now) return now.status();
    return SubmitResult{now.value(), false};
}

}  // namespace app
