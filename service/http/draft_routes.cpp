#include "http/draft_routes.h"

#include <Poco/JSON/Parser.h>

#include <sstream>

#include "common/ids.h"
#include "common/utf8.h"
#include "http/handlers.h"
#include "http/problem.h"

namespace http {
namespace {

using common::FieldError;
using common::Status;
using Poco::JSON::Object;

// What a draft keeps besides its fields: the sending choices made so far.
const char* const kContentKeys[] = {"fields", "delivery", "cover"};
// Header fields that belong to one sheet only: a copy starts without them.
const char* const kNotCopied[] = {"doc_date", "sent_at"};

std::string stringify(const Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

void fail(RequestContext& ctx, const Status& status) { sendStatus(ctx.response, status, ctx.requestId); }

void invalid(RequestContext& ctx, std::vector<FieldError> errors) {
    fail(ctx, Status::invalidArgument("invalid draft", std::move(errors)));
}

Object::Ptr draftToJson(const jobs::Draft& d, const DraftServices& s, bool withContent) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("id", d.id);
    o->set("sheet", d.sheetId);
    const form::SheetTemplate* sheet = s.documents.templates().find(d.sheetId);
    o->set("sheetTitle", sheet ? sheet->title : d.sheetId);
    o->set("title", d.title);
    o->set("patientRef", d.patientRef);
    if (!d.sourceJobId.empty()) o->set("sourceJob", d.sourceJobId);
    o->set("revision", d.revision);
    o->set("sizeBytes", d.sizeBytes);
    o->set("createdAt", d.createdAt);
    o->set("updatedAt", d.updatedAt);
    if (withContent) {
        try {
            Object::Ptr content = Poco::JSON::Parser().parse(d.contentJson).extract<Object::Ptr>();
            for (const char* key : kContentKeys)
                if (content->has(key)) o->set(key, content->get(key));
        } catch (const std::exception&) {
            o->set("fields", Object::Ptr(new Object));  // written by this service as JSON; unreadable only if edited by hand
        }
    }
    return o;
}

// An optional string member of at most maxChars characters.
std::string optionalText(const Object::Ptr& body, const std::string& key, long long maxChars, const std::string& label,
                         std::vector<FieldError>& errors) {
    if (!body->has(key) || body->get(key).isEmpty()) return "";
    const Poco::Dynamic::Var v = body->get(key);
    if (!v.isString() || common::utf8Length(v.extract<std::string>()) > maxChars) {
        errors.push_back({key, "invalid", label + "は" + std::to_string(maxChars) + "文字以内の文字列で指定してください。"});
        return "";
    }
    return v.extract<std::string>();
}

// Reads a draft from a POST or PUT body into d (sheet only when isNew).
// Returns false after answering a problem.
bool readDraft(RequestContext& ctx, const DraftServices& s, const Object::Ptr& body, bool isNew, jobs::Draft& d,
               int& revision) {
    std::vector<FieldError> errors;
    for (const auto& [key, value] : *body) {
        bool known = key == "sheet" || key == "title" || key == "patient_ref" || (!isNew && key == "revision");
        for (const char* k : kContentKeys) known = known || key == k;
        if (!known) errors.push_back({key, "unknown_field", "「" + key + "」は下書きに保存できない項目です。"});
    }
    if (isNew) {
        const std::string sheet = body->has("sheet") && body->get("sheet").isString() ? body->getValue<std::string>("sheet") : "";
        if (sheet.empty() || !s.documents.templates().find(sheet))
            errors.push_back({"sheet", "unknown_sheet", "帳票の種類(sheet)を正しく指定してください。"});
        d.sheetId = sheet;
    } else if (body->has("sheet") && (!body->get("sheet").isString() || body->getValue<std::string>("sheet") != d.sheetId)) {
        errors.push_back({"sheet", "immutable", "下書きの帳票の種類は変更できません。"});
    }
    if (!body->getObject("fields"))
        errors.push_back({"fields", "required", "記入内容(fields)をオブジェクトで指定してください。"});
    for (const char* key : {"delivery", "cover"})
        if (body->has(key) && !body->get(key).isEmpty() && !body->getObject(key))
            errors.push_back({key, "wrong_type", std::string(key) + " はオブジェクトで指定してください。"});
    d.title = optionalText(body, "title", 100, "表題(title)", errors);
    d.patientRef = optionalText(body, "patient_ref", 40, "利用者参照(patient_ref)", errors);
    revision = 0;
    if (body->has("revision")) {
        const Poco::Dynamic::Var v = body->get("revision");
        if (!v.isInteger() || v.convert<long long>() < 1 || v.convert<long long>() > 1000000000)
            errors.push_back({"revision", "invalid", "revision は正の整数で指定してください。"});
        else
            revision = v.convert<int>();
    }
    if (!errors.empty()) {
        invalid(ctx, std::move(errors));
        return false;
    }
    Object::Ptr content = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const char* key : kContentKeys)
        if (body->getObject(key)) content->set(key, body->getObject(key));
    d.contentJson = stringify(content);
    return true;
}

// "Copy as new": the job's sheet (its first one) with its fields, client
// reference and fax partner, without the fields that belong to that one sheet.
void copyJob(RequestContext& ctx, const DraftServices& s, const Object::Ptr& body) {
    if (body->size() != 1 || !body->get("from_job").isString() ||
        !common::isValidJobId(body->getValue<std::string>("from_job")))
        return invalid(ctx, {{"from_job", "invalid", "コピー元のジョブID(from_job)を正しく指定してください。"}});
    auto job = s.jobs.get(body->getValue<std::string>("from_job"));
    if (job && ctx.principal.role != auth::Role::Admin && job->office != ctx.principal.office)
        job = Status::notFound("");
    if (!job) {
        if (job.status().code() == Status::Code::NotFound)
            return sendProblem(ctx.response, 404, "unknown_job", "コピー元のジョブが見つかりません。", ctx.requestId);
        return fail(ctx, job.status());
    }
    Object::Ptr request;
    try {
        request = Poco::JSON::Parser().parse(job->requestJson).extract<Object::Ptr>();
    } catch (const std::exception&) {
        return fail(ctx, Status::internal("job " + job->id + ": stored request unreadable"));
    }
    Object::Ptr document = request;
    if (!request->has("fields") && request->getArray("documents") && request->getArray("documents")->size() > 0)
        document = request->getArray("documents")->getObject(0);
    Object::Ptr fields = document ? document->getObject("fields") : nullptr;
    const std::string sheet = document && document->has("sheet") ? document->getValue<std::string>("sheet") : job->sheetId;
    if (!fields) return fail(ctx, Status::internal("job " + job->id + ": stored request has no fields"));
    Object::Ptr copied = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [key, value] : *fields) copied->set(key, value);
    for (const char* key : kNotCopied) copied->remove(key);
    Object::Ptr content = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    content->set("fields", copied);
    if (Object::Ptr delivery = request->getObject("delivery")) content->set("delivery", delivery);
    jobs::Draft d;
    d.office = ctx.principal.office;
    d.sheetId = sheet;
    d.title = copied->has("pt_name") && copied->get("pt_name").isString() ? copied->getValue<std::string>("pt_name") : "";
    d.patientRef = job->patientRef.value_or("");
    d.sourceJobId = job->id;
    d.contentJson = stringify(content);
    auto created = s.drafts.create(d);
    if (!created) return fail(ctx, created.status());
    ctx.response.set("Location", "/api/v1/drafts/" + created->id);
    sendJson(ctx.response, 201, draftToJson(created.value(), s, true));
}

void createDraft(RequestContext& ctx, DraftServices& s) {
    Object::Ptr body = readJsonOrAnswer(ctx, s.settings.maxBodyBytes);
    if (!body) return;
    if (body->has("from_job")) return copyJob(ctx, s, body);
    jobs::Draft d;
    d.office = ctx.principal.office;
    int revision = 0;
    if (!readDraft(ctx, s, body, true, d, revision)) return;
    auto created = s.drafts.create(d);
    if (!created) return fail(ctx, created.status());
    ctx.response.set("Location", "/api/v1/drafts/" + created->id);
    sendJson(ctx.response, 201, draftToJson(created.value(), s, true));
}

void listDrafts(RequestContext& ctx, DraftServices& s) {
    auto drafts = s.drafts.list(ctx.principal.office);
    if (!drafts) return fail(ctx, drafts.status());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& d : drafts.value()) list->add(draftToJson(d, s, false));
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("drafts", list);
    body->set("limit", s.drafts.limits().perOffice);
    sendJson(ctx.response, 200, body);
}

void getDraft(RequestContext& ctx, DraftServices& s) {
    auto d = s.drafts.get(ctx.principal.office, ctx.params["id"]);
    if (!d) return fail(ctx, d.status());
    sendJson(ctx.response, 200, draftToJson(d.value(), s, true));
}

void updateDraft(RequestContext& ctx, DraftServices& s) {
    Object::Ptr body = readJsonOrAnswer(ctx, s.settings.maxBodyBytes);
    if (!body) return;
    auto current = s.drafts.get(ctx.principal.office, ctx.params["id"]);
    if (!current) return fail(ctx, current.status());
    jobs::Draft d = current.value();
    int revision = 0;
    if (!readDraft(ctx, s, body, false, d, revision)) return;
    auto updated = s.drafts.update(ctx.principal.office, d.id, revision, d);
    if (!updated) return fail(ctx, updated.status());
    sendJson(ctx.response, 200, draftToJson(updated.value(), s, false));
}

void deleteDraft(RequestContext& ctx, DraftServices& s) {
    Status removed = s.drafts.remove(ctx.principal.office, ctx.params["id"]);
    if (!removed) return fail(ctx, removed);
    ctx.response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    ctx.response.setContentLength(0);
    ctx.response.send();
}

Handler route(DraftServices& s, void (*fn)(RequestContext&, DraftServices&)) {
    return [&s, fn](RequestContext& ctx) { fn(ctx, s); };
}

}  // namespace

void registerDraftRoutes(Router& router, DraftServices& s) {
    router.add("GET", "/api/v1/drafts", route(s, listDrafts));
    router.add("POST", "/api/v1/drafts", route(s, createDraft));
    router.add("GET", "/api/v1/drafts/{id}", route(s, getDraft));
    router.add("PUT", "/api/v1/drafts/{id}", route(s, updateDraft));
    router.add("DELETE", "/api/v1/drafts/{id}", route(s, deleteDraft));
}

}  // namespace http
