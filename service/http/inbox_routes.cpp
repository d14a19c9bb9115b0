#include "http/inbox_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "http/handlers.h"
#include "http/problem.h"

namespace http {
namespace {

using common::Status;
using Poco::JSON::Object;

bool isAdmin(const RequestContext& ctx) { return ctx.principal.role == auth::Role::Admin; }

void fail(RequestContext& ctx, const Status& status) { sendStatus(ctx.response, status, ctx.requestId); }

void unknownEntry(RequestContext& ctx) {
    sendProblem(ctx.response, 404, "unknown_inbox_entry", "受信箱の項目が見つかりません。", ctx.requestId);
}

// The entry's id from the path; 0 for anything that is not one.
long long entryId(RequestContext& ctx) {
    const std::string& text = ctx.params["entry"];
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
    return std::stoll(text);
}

// The entry, when the caller may see it; otherwise answers 404 and returns false.
bool visibleEntry(RequestContext& ctx, InboxServices& s, jobs::InboxEntry& out) {
    const long long id = entryId(ctx);
    if (id < 1) return unknownEntry(ctx), false;
    auto entry = s.queries.inboxEntry(id);
    if (!entry) {
        if (entry.status().code() == Status::Code::NotFound) return unknownEntry(ctx), false;
        return fail(ctx, entry.status()), false;
    }
    if (!isAdmin(ctx) && entry->office != ctx.principal.office) return unknownEntry(ctx), false;
    out = std::move(entry.value());
    return true;
}

void listInbox(RequestContext& ctx, InboxServices& s) {
    auto entries = s.queries.inbox(ctx.principal.office, isAdmin(ctx));
    if (!entries) return fail(ctx, entries.status());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const jobs::InboxEntry& e : entries.value()) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("id", e.id);
        o->set("receivedAt", e.receivedAt);
        o->set("sender", e.sender);
        o->set("office", e.office);
        o->set("reason", e.reason);
        o->set("reasonMessage", e.reasonMessage);
        o->set("format", e.format);
        o->set("sizeBytes", e.size);
        o->set("file", e.sourceName);
        o->set("filePage", e.sourcePage);
        o->set("createdAt", e.createdAt);
        o->set("document", "/api/v1/inbox/" + std::to_string(e.id) + "/document");
        list->add(o);
    }
    Object::Ptr body = new Object;
    body->set("entries", list);
    sendJson(ctx.response, 200, body);
}

void getInboxDocument(RequestContext& ctx, InboxServices& s) {
    jobs::InboxEntry e;
    if (!visibleEntry(ctx, s, e)) return;
    const bool pdf = e.format == "pdf";
    const std::string name = "inbox-" + std::to_string(e.id) + (pdf ? ".pdf" : ".bin");
    sendBytes(ctx.response, 200, pdf ? "application/pdf" : "application/octet-stream", e.bytes, name,
              "受信_" + std::to_string(e.id) + (pdf ? ".pdf" : ".bin"));
}

void assignInboxEntry(RequestContext& ctx, InboxServices& s) {
    jobs::InboxEntry e;
    if (!visibleEntry(ctx, s, e)) return;
    Object::Ptr body = readJsonOrAnswer(ctx, s.settings.maxBodyBytes);
    if (!body) return;
    std::vector<common::FieldError> errors;
    for (const auto& [key, value] : *body)
        if (key != "reference") errors.push_back({key, "unknown_field", "この項目は指定できません。"});
    if (!body->has("reference") || !body->get("reference").isString())
        errors.push_back({"reference", "required", "照会番号を文字列で指定してください。"});
    if (!errors.empty()) return fail(ctx, Status::invalidArgument("invalid assignment", std::move(errors)));
    auto assigned = s.inbound.assign(e.id, body->getValue<std::string>("reference"), ctx.principal.office,
                                     isAdmin(ctx), ctx.principal.name.empty() ? "api" : ctx.principal.name);
    if (!assigned) {
        if (assigned.status().code() == Status::Code::NotFound)
            return sendProblem(ctx.response, 404, "unknown_reference", "この照会番号のジョブが見つかりません。",
                               ctx.requestId);
        return fail(ctx, assigned.status());
    }
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("replyId", assigned.value());
    out->set("inboxId", e.id);
    sendJson(ctx.response, 200, out);
}

Handler route(InboxServices& s, void (*fn)(RequestContext&, InboxServices&)) {
    return [&s, fn](RequestContext& ctx) { fn(ctx, s); };
}

}  // namespace

void registerInboxRoutes(Router& router, InboxServices& s) {
    router.add("GET", "/api/v1/inbox", route(s, listInbox));
    router.add("GET", "/api/v1/inbox/{entry}/document", route(s, getInboxDocument));
    router.add("POST", "/api/v1/inbox/{entry}/assign", route(s, assignInboxEntry));
}

}  // namespace http
