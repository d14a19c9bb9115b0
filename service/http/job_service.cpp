#include "http/job_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "common/ids.h"
#include "common/utf8.h"
#include "render/pdf_inspect.h"

namespace http {
namespace {

using common::FieldError;
using common::Status;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
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

Object::Ptr parseObject(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Object::Ptr>();
}

}  // namespace

struct JobService::Parsed {
    std::string sheetId;
    Object::Ptr fields;
    std::string channel;
    std::string patientRef;
    bool allowDuplicate = false;
    form::FormData data;
};

JobService::JobService(const DocumentService& documents, jobs::JobStore& store, spool::Spool& spool,
                       const common::Clock& clock, JobServiceOptions options)
    : documents_(documents), store_(store), spool_(spool), clock_(clock), options_(options) {}

common::Result<JobService::Parsed> JobService::parse(const Object::Ptr& request) const {
    std::vector<FieldError> errors;
    Parsed p;
    static const std::set<std::string> kKnown = {"sheet", "fields", "delivery", "patient_ref", "allow_duplicate"};
    for (const auto& [key, value] : *request)
        if (!kKnown.count(key))
            errors.push_back({common::decodeUtf8(key) ? key : "?", "unknown_field", "「" + key + "」は指定できない項目です。"});
    if (!request->has("sheet") || !request->get("sheet").isString())
        errors.push_back({"sheet", "required", "帳票の種類(sheet)を文字列で指定してください。"});
    else
        p.sheetId = request->getValue<std::string>("sheet");
    p.fields = request->getObject("fields");
    if (!p.fields) errors.push_back({"fields", "required", "記入内容(fields)をオブジェクトで指定してください。"});
    Object::Ptr delivery = request->getObject("delivery");
    if (!delivery) {
        errors.push_back({"delivery", "required", "送付方法(delivery)をオブジェクトで指定してください。"});
    } else {
        for (const auto& [key, value] : *delivery)
            if (key != "channel")
                errors.push_back({"delivery." + key, "unknown_field", "「" + key + "」は指定できない項目です。"});
        std::string channel = delivery->has("channel") && delivery->get("channel").isString()
                                  ? delivery->getValue<std::string>("channel")
                                  : "";
        if (channel != "print")
            errors.push_back({"delivery.channel", "invalid_option", "送付方法(channel)は print を指定してください。"});
        p.channel = channel;
    }
    if (request->has("patient_ref")) {
        Poco::Dynamic::Var ref = request->get("patient_ref");
        long long len = ref.isString() ? common::utf8Length(ref.extract<std::string>()) : -1;
        if (len < 1 || len > 40)
            errors.push_back({"patient_ref", "wrong_type", "利用者参照番号(patient_ref)は40文字以内の文字列で指定してください。"});
        else
            p.patientRef = ref.extract<std::string>();
    }
    if (request->has("allow_duplicate")) {
        if (!request->get("allow_duplicate").isBoolean())
            errors.push_back({"allow_duplicate", "wrong_type", "allow_duplicate は true または false で指定してください。"});
        else
            p.allowDuplicate = request->getValue<bool>("allow_duplicate");
    }
    if (!p.sheetId.empty() && !documents_.templates().find(p.sheetId))
        return Status::notFound("帳票「" + p.sheetId + "」はありません。");
    if (p.fields && !p.sheetId.empty()) {
        auto data = documents_.validate(p.sheetId, p.fields);
        if (data)
            p.data = std::move(data.value());
        else
            errors.insert(errors.end(), data.status().fieldErrors().begin(), data.status().fieldErrors().end());
    }
    if (!errors.empty()) return Status::invalidArgument("invalid request", errors);
    return p;
}

common::Result<SubmitResult> JobService::submit(const Object::Ptr& request, const std::string& idempotencyKey,
                                                const std::string& actor) {
    auto parsed = parse(request);
    if (!parsed) return parsed.status();
    // What makes two submissions "the same": sheet, fields and destination.
    Object::Ptr identity = new Object;
    identity->set("sheet", parsed->sheetId);
    identity->set("fields", parsed->fields);
    identity->set("channel", parsed->channel);
    const std::string hash = common::sha256Hex(stringify(identity));

    if (!idempotencyKey.empty()) {
        auto earlier = store_.findByIdempotencyKey(idempotencyKey);
        if (earlier) {
            if (earlier->requestJson != stringify(request))
                return Status::conflict("この Idempotency-Key は別の内容で使用済みです(ジョブ " + earlier->id + ")。");
            return SubmitResult{earlier.value(), true};
        }
    }
    if (!parsed->allowDuplicate) {
        long long since = clock_.now().epochMicroseconds() - options_.duplicateWindowSeconds * 1000000;
        auto duplicate = store_.findRecentDuplicate(hash, since);
        if (duplicate && duplicate->state != jobs::JobState::Cancelled)
            return Status::conflict("同じ内容のジョブ " + duplicate->id +
                                    " が直前に受け付けられています。意図した再送なら allow_duplicate を true にしてください。");
    }

    jobs::Job job;
    job.id = common::newJobId();
    job.sheetId = parsed->sheetId;
    job.channel = parsed->channel;
    job.requestJson = stringify(request);
    job.requestHash = hash;
    if (!idempotencyKey.empty()) job.idempotencyKey = idempotencyKey;
    if (!parsed->patientRef.empty()) job.patientRef = parsed->patientRef;
    Status created = store_.create(job, actor);
    if (created.code() == Status::Code::Conflict && !idempotencyKey.empty()) {
        // Another request with the same key won the race: answer as a replay.
        auto earlier = store_.findByIdempotencyKey(idempotencyKey);
        if (earlier && earlier->requestJson == job.requestJson) return SubmitResult{earlier.value(), true};
        return Status::conflict("この Idempotency-Key は別の内容で使用済みです。");
    }
    if (!created) return created;
    auto stored = store_.get(job.id);
    if (!stored) return stored.status();
    Status done = process(stored.value(), actor);
    auto now = store_.get(job.id);
    if (!now) return now.status();
    (void)done;  // a failed render or spool is recorded on the job itself
    return SubmitResult{now.value(), false};
}

common::Result<RenderedDocument> JobService::renderJob(const jobs::Job& job, Format format) const {
    Object::Ptr request;
    try {
        request = parseObject(job.requestJson);
    } catch (const Poco::Exception& e) {
        return Status::internal("job " + job.id + ": stored request unreadable: " + e.displayText());
    }
    const form::SheetTemplate* sheet = documents_.templates().find(job.sheetId);
    if (!sheet) return Status::internal("job " + job.id + ": sheet " + job.sheetId + " no longer exists");
    auto data = documents_.validate(job.sheetId, request->getObject("fields"));
    if (!data) return Status::internal("job " + job.id + ": stored fields no longer valid");
    return documents_.render(*sheet, data.value(), format, job.id, job.createdAt);
}

common::Status JobService::spoolJob(const jobs::Job& job, const std::string& pdf, int pageCount,
                                    const std::string& actor) {
    auto where = spool_.locate(job.channel, job.id);
    if (!where) return where.status();
    if (where.value() == spool::SpoolLocation::None || where.value() == spool::SpoolLocation::Partial) {
        Object::Ptr sidecar = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        sidecar->set("jobId", job.id);
        sidecar->set("sheet", job.sheetId);
        sidecar->set("channel", job.channel);
        sidecar->set("file", job.id + ".pdf");
        sidecar->set("pageCount", pageCount);
        sidecar->set("sha256", common::sha256Hex(pdf));
        sidecar->set("createdAt", job.createdAt);
        Status delivered = spool_.deliver(job.channel, job.id, pdf, stringify(sidecar));
        if (!delivered) return delivered;
    }
    Object::Ptr detail = new Object;
    detail->set("spool", job.channel);
    return store_.transition(job.id, jobs::JobState::Spooled, "spooled", actor, stringify(detail));
}

common::Status JobService::process(const jobs::Job& job, const std::string& actor) {
    std::string pdf;
    int pageCount = job.pageCount;
    const bool needsRenderedMark = job.state == jobs::JobState::Accepted || job.state == jobs::JobState::Rendering;
    jobs::JobChanges changes;
    auto frozen = store_.document(job.id, "pdf");
    if (frozen) {
        // A crash after the copy was frozen: the copy is what goes out, never a re-render.
        pdf = std::move(frozen.value());
    } else {
        auto rendered = renderJob(job, Format::Pdf);
        if (!rendered) {
            jobs::JobChanges failure;
            failure.errorCode = "render_failed";
            failure.errorMessage = rendered.status().message();
            store_.transition(job.id, jobs::JobState::Failed, "failed", actor, "{\"reason\":\"render\"}", failure);
            return rendered.status();
        }
        pdf = std::move(rendered->bytes);
        pageCount = rendered->pageCount;
        changes.warningsJson = warningsJson(rendered->warnings);
        Status put = store_.putDocument(job.id, "pdf", pdf);
        if (!put) return put;
    }
    if (needsRenderedMark) {
        if (pageCount <= 0) {
            auto counted = render::pdfPageCount(pdf);
            if (!counted) return counted.status();
            pageCount = counted.value();
        }
        changes.pageCount = pageCount;
        Object::Ptr detail = new Object;
        detail->set("pages", pageCount);
        detail->set("bytes", static_cast<long long>(pdf.size()));
        Status moved = store_.transition(job.id, jobs::JobState::Rendered, "rendered", actor, stringify(detail), changes);
        if (!moved) return moved;
    }
    Status spooled = spoolJob(job, pdf, pageCount, actor);
    if (!spooled && spooled.code() != Status::Code::Conflict) {
        // Left in "rendered": the next start retries the spool, which checks
        // where the files are before writing anything.
        store_.appendEvent(job.id, "spool_error", actor, "{\"reason\":\"io\"}");
    }
    return spooled;
}

common::Result<int> JobService::recover() {
    auto pending = store_.unfinished();
    if (!pending) return pending.status();
    int handled = 0;
    for (const auto& job : pending.value()) {
        if (job.state == jobs::JobState::Held) continue;  // waits for its hold window
        process(job, "recovery");
        ++handled;
    }
    return handled;
}

common::Result<RenderedDocument> JobService::document(const jobs::Job& job, Format format, const std::string& actor) {
    const std::string name = format == Format::Pdf ? "pdf" : "xlsx";
    RenderedDocument out;
    out.pageCount = job.pageCount;
    auto frozen = store_.document(job.id, name);
    if (frozen) {
        out.bytes = std::move(frozen.value());
    } else if (format == Format::Pdf) {
        return Status::notFound("ジョブ " + job.id + " の PDF はまだ作成されていません。");
    } else {
        auto rendered = renderJob(job, Format::Xlsx);
        if (!rendered) return rendered.status();
        Status put = store_.putDocument(job.id, name, rendered->bytes);
        if (!put && put.code() != Status::Code::Conflict) return put;
        out = std::move(rendered.value());
    }
    Object::Ptr detail = new Object;
    detail->set("format", name);
    store_.appendEvent(job.id, "downloaded", actor, stringify(detail));
    return out;
}

Poco::JSON::Object::Ptr jobToJson(const jobs::Job& job) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("id", job.id);
    o->set("sheet", job.sheetId);
    o->set("state", jobs::stateName(job.state));
    o->set("channel", job.channel);
    if (!job.destination.empty()) o->set("destination", job.destination);
    if (job.patientRef) o->set("patientRef", *job.patientRef);
    o->set("pageCount", job.pageCount);
    o->set("attempt", job.attempt);
    o->set("createdAt", job.createdAt);
    o->set("updatedAt", job.updatedAt);
    try {
        Poco::JSON::Parser parser;
        o->set("warnings", parser.parse(job.warningsJson));
    } catch (const Poco::Exception&) {
        o->set("warnings", new Array);
    }
    if (!job.errorCode.empty()) {
        Object::Ptr error = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        error->set("code", job.errorCode);
        error->set("message", job.errorMessage);
        o->set("error", error);
    }
    Object::Ptr links = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    links->set("self", "/api/v1/jobs/" + job.id);
    links->set("pdf", "/api/v1/jobs/" + job.id + "/document?format=pdf");
    links->set("xlsx", "/api/v1/jobs/" + job.id + "/document?format=xlsx");
    links->set("events", "/api/v1/jobs/" + job.id + "/events");
    o->set("links", links);
    return o;
}

}  // namespace http
