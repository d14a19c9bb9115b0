#include "http/openapi.h"

#include <Poco/JSON/Array.h>

#include <map>
#include <set>
#include <sstream>

#include "http/problem.h"

namespace http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr obj() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Object::Ptr schemaRef(const std::string& schema) {
    Object::Ptr o = obj();
    o->set("$ref", "#/components/schemas/" + schema);
    return o;
}

Object::Ptr typed(const std::string& type) {
    Object::Ptr o = obj();
    o->set("type", type);
    return o;
}

Array::Ptr strings(const std::vector<std::string>& values) {
    Array::Ptr a = new Array;
    for (const auto& v : values) a->add(v);
    return a;
}

// ---- The hand-written part: one entry per route. ----

struct QueryParam {
    std::string name;
    std::string description;
    std::vector<std::string> choices;  // empty: free text
    std::string type = "string";       // or "integer"
};

struct Answer {
    int status;
    std::string description;
    // "" (no body), "problem", "pdf-or-xlsx", "pdf", "pdf-or-binary", "csv-or-json", "metrics",
    // or a schema name of components/schemas.
    std::string content;
};

struct RouteDoc {
    std::string method;
    std::string pattern;
    std::string tag;
    std::string summary;
    std::vector<QueryParam> query;
    std::string body;  // a schema name, "" for none
    std::vector<Answer> answers;
    bool idempotencyKey = false;
};

const std::vector<RouteDoc>& routeDocs() {
    static const std::vector<RouteDoc> docs = {
        {"GET", "/healthz", "operations", "Liveness: the process answers.", {}, "", {{200, "Alive.", "Health"}}},
        {"GET", "/readyz", "operations",
         "Readiness: job store and spool writable, fonts loaded, CUPS reachable when configured, fax gateway keeping up.",
         {}, "", {{200, "Ready; every check passed.", "Readiness"}, {503, "Not ready; the failing checks are listed.", "NotReady"}}},
        {"GET", "/metrics", "operations", "Prometheus metrics (text format 0.0.4); who may read them is set by metrics.allow.",
         {}, "", {{200, "The metrics.", "metrics"}, {403, "This client may not read the metrics.", "problem"}}},
        {"GET", "/api/v1/openapi.json", "operations", "This OpenAPI description.", {}, "",
         {{200, "The OpenAPI 3.1 document.", "OpenApiDocument"}}},
        {"GET", "/api/v1/sheets", "sheets", "The sheets (帳票) this server renders.", {}, "", {{200, "The sheets.", "SheetList"}}},
        {"GET", "/api/v1/sheets/{sheet}", "sheets", "One sheet with its field schema.", {}, "",
         {{200, "The sheet.", "Sheet"}, {404, "No such sheet.", "problem"}}},
        {"POST", "/api/v1/sheets/{sheet}/render", "sheets", "Renders a sheet without storing a job (preview).",
         {{"format", "Output format.", {"pdf", "xlsx"}},
          {"fax", "A partner id: render the masked fax that partner would receive (PDF only).", {}}},
         "RenderRequest",
         {{200, "The document.", "pdf-or-xlsx"}, {404, "No such sheet.", "problem"},
          {422, "Invalid fields; every problem is listed.", "problem"}}},
        {"GET", "/api/v1/sheets/{sheet}/workbook", "sheets",
         "The blank workbook of a sheet: the form to fill in by hand, every page included (those printed only "
         "when a field has a value too), every entry cell, box and note cell with a defined name; the sheet id "
         "and template version are custom document properties and defined names.",
         {}, "", {{200, "The workbook.", "xlsx"}, {404, "No such sheet.", "problem"}}},
        {"POST", "/api/v1/sheets/{sheet}/import", "sheets",
         "Reads a workbook of this sheet filled in by hand (raw .xlsx body or multipart/form-data) and answers its "
         "fields with every problem, each naming its cell, defined name and label.",
         {}, "xlsx-upload",
         {{200, "The fields and the problems (valid: no problem).", "ImportResult"}, {404, "No such sheet.", "problem"},
          {413, "The workbook is larger than the body limit.", "problem"},
          {415, "Neither an .xlsx nor multipart/form-data.", "problem"},
          {422, "Not a workbook, a hostile one, or one of another sheet or template version.", "problem"}}},
        {"POST", "/api/v1/jobs", "jobs", "Submits a job: one or more sheets to print or fax.", {}, "JobRequest",
         {{200, "The job this Idempotency-Key created before (replayed).", "Job"},
          {201, "Accepted; Location names the job.", "Job"},
          {409, "The same submission was accepted a moment ago.", "problem"},
          {422, "Invalid request; every problem is listed.", "problem"}},
         true},
        {"GET", "/api/v1/jobs", "jobs", "Lists jobs, newest first.",
         {{"sheet", "Sheet id.", {}},
          {"state", "Job state.", {"accepted", "rendering", "rendered", "held", "spooled", "sent", "failed", "cancelled"}},
          {"destination", "Partner id, fax digits or \"print\".", {}},
          {"patient_ref", "The submitter's patient reference.", {}},
          {"from", "Created at or after: YYYY-MM-DD (Japan time) or a date-time.", {}},
          {"to", "Created before: YYYY-MM-DD (Japan time) or a date-time.", {}},
          {"limit", "Page size, 1 to 500.", {}, "integer"},
          {"offset", "Jobs to skip.", {}, "integer"}},
         "", {{200, "A page of jobs.", "JobList"}, {422, "Invalid query.", "problem"}}},
        {"GET", "/api/v1/jobs/{id}", "jobs", "One job.", {}, "", {{200, "The job.", "Job"}, {404, "No such job.", "problem"}}},
        {"GET", "/api/v1/jobs/{id}/document", "jobs", "The job's frozen document.",
         {{"format", "Which copy: the PDF, the workbook, or the masked fax PDF.", {"pdf", "xlsx", "fax_pdf"}}}, "",
         {{200, "The document.", "pdf-or-xlsx"}, {404, "No such job or document.", "problem"}}},
        {"GET", "/api/v1/jobs/{id}/events", "jobs", "The job's history, oldest first.", {}, "",
         {{200, "The events.", "EventList"}, {404, "No such job.", "problem"}}},
        {"DELETE", "/api/v1/jobs/{id}", "jobs", "Cancels a fax still in its hold window.", {}, "",
         {{200, "Cancelled.", "Job"}, {404, "No such job.", "problem"}, {409, "Already sent to the gateway.", "problem"}}},
        {"POST", "/api/v1/jobs/{id}/retry", "jobs", "Sends a failed job again as a new attempt.", {}, "",
         {{202, "Queued again.", "Job"}, {404, "No such job.", "problem"}, {409, "The job has not failed.", "problem"}}},
        {"POST", "/api/v1/jobs/{id}/receipt", "jobs", "Records that the recipient confirmed receipt (受信確認).", {},
         "ReceiptRequest",
         {{200, "Recorded.", "Job"}, {404, "No such job.", "problem"}, {409, "Not sent yet.", "problem"},
          {422, "Invalid receipt.", "problem"}}},
        {"POST", "/api/v1/jobs/{id}/delivered", "jobs",
         "Records that a printed sheet was handed over or mailed (手渡し・郵送): the evidence time of a print job.", {},
         "DeliveredRequest",
         {{201, "Recorded.", "Job"}, {404, "No such job.", "problem"},
          {409, "A fax job, cancelled, failed, not rendered yet, or already recorded.", "problem"},
          {422, "Invalid record.", "problem"}}},
        {"GET", "/api/v1/jobs/{id}/replies/{reply}", "inbox",
         "One reply received by fax for the job (返信受信): its pages as received, as a PDF.", {}, "",
         {{200, "The received pages.", "pdf"}, {404, "No such job, or no such reply of this job.", "problem"}}},
        {"GET", "/api/v1/inbox", "inbox",
         "Received fax pages no job was found for (受信箱), newest first: the caller's office's, or all for admins.", {},
         "", {{200, "The entries.", "InboxList"}}},
        {"GET", "/api/v1/inbox/{entry}/document", "inbox",
         "An inbox entry's page as a PDF, or the received file as it came when it could not be read.", {}, "",
         {{200, "The page or the file.", "pdf-or-binary"}, {404, "No such entry for this office.", "problem"}}},
        {"POST", "/api/v1/inbox/{entry}/assign", "inbox",
         "Attaches an inbox page to the job whose reply reference (照会番号) a person typed.", {}, "InboxAssign",
         {{200, "Attached as a reply of the job.", "InboxAssigned"},
          {404, "No such entry, or no job of this office with this reference.", "problem"},
          {422, "The reference fails its check, or the entry is a file that could not be read.", "problem"}}},
        {"GET", "/api/v1/partners", "partners", "The partner directory (連携先), searched.",
         {{"q", "Text in the name, department or person.", {}}, {"kind", "Kind of partner.", {"hospital", "clinic", "care_office"}}},
         "", {{200, "The partners.", "PartnerList"}, {422, "Invalid query.", "problem"}}},
        {"GET", "/api/v1/evidence", "jobs", "Billing evidence (加算根拠) of one month's jobs.",
         {{"month", "YYYY-MM.", {}}, {"format", "Answer as JSON or CSV.", {"json", "csv"}}}, "",
         {{200, "The month's evidence.", "csv-or-json"}, {422, "Invalid query.", "problem"}}},
        {"GET", "/api/v1/audit", "audit", "The audit trail of API access (admins only).",
         {{"office", "Office (partner id).", {}}, {"job", "Job id.", {}},
          {"from", "At or after: YYYY-MM-DD (Japan time) or a date-time.", {}},
          {"to", "Before: YYYY-MM-DD (Japan time) or a date-time.", {}},
          {"limit", "Entries, 1 to 500.", {}, "integer"}},
         "", {{200, "The entries, newest first.", "AuditList"}, {422, "Invalid query.", "problem"}}},
        {"GET", "/api/v1/drafts", "drafts", "The office's drafts, newest first (without fields).", {}, "",
         {{200, "The drafts.", "DraftList"}}},
        {"POST", "/api/v1/drafts", "drafts", "Saves a new draft, or copies an earlier job's sheet ({\"from_job\"}).", {},
         "DraftCreate",
         {{201, "Saved.", "Draft"}, {404, "No such job to copy.", "problem"}, {409, "The office keeps too many drafts.", "problem"},
          {413, "The draft is too large.", "problem"}, {422, "Invalid draft.", "problem"}}},
        {"GET", "/api/v1/drafts/{id}", "drafts", "One draft with its fields.", {}, "",
         {{200, "The draft.", "Draft"}, {404, "No such draft.", "problem"}}},
        {"PUT", "/api/v1/drafts/{id}", "drafts", "Replaces a draft; with revision, a stale copy is refused.", {}, "DraftUpdate",
         {{200, "Saved.", "Draft"}, {404, "No such draft.", "problem"}, {409, "The draft changed meanwhile.", "problem"},
          {413, "The draft is too large.", "problem"}, {422, "Invalid draft.", "problem"}}},
        {"DELETE", "/api/v1/drafts/{id}", "drafts", "Deletes a draft.", {}, "",
         {{204, "Deleted.", ""}, {404, "No such draft.", "problem"}}},
    };
    return docs;
}

// ---- Schemas ----

Object::Ptr problemSchema() {
    Object::Ptr s = typed("object");
    s->set("description", "RFC 9457 problem details; title is Japanese, code a stable English code.");
    Object::Ptr p = obj();
    Object::Ptr type = typed("string");
    type->set("format", "uri");
    p->set("type", type);
    p->set("title", typed("string"));
    Object::Ptr status = typed("integer");
    status->set("minimum", 400);
    status->set("maximum", 599);
    p->set("status", status);
    p->set("code", typed("string"));
    p->set("requestId", typed("string"));
    Object::Ptr error = typed("object");
    Object::Ptr ep = obj();
    ep->set("field", typed("string"));
    ep->set("code", typed("string"));
    ep->set("message", typed("string"));
    error->set("properties", ep);
    error->set("required", strings({"field", "code", "message"}));
    Object::Ptr errors = typed("array");
    errors->set("items", error);
    p->set("errors", errors);
    s->set("properties", p);
    s->set("required", strings({"type", "title", "status", "code", "requestId"}));
    return s;
}

// An object schema with the given properties (all typed loosely unless set).
Object::Ptr objectOf(const std::vector<std::pair<std::string, Object::Ptr>>& properties,
                     const std::vector<std::string>& required = {}, bool closed = false) {
    Object::Ptr s = typed("object");
    Object::Ptr p = obj();
    for (const auto& [name, schema] : properties) p->set(name, schema);
    s->set("properties", p);
    if (!required.empty()) s->set("required", strings(required));
    if (closed) s->set("additionalProperties", false);
    return s;
}

Object::Ptr arrayOf(const Object::Ptr& items) {
    Object::Ptr s = typed("array");
    s->set("items", items);
    return s;
}

Object::Ptr stringEnum(const std::vector<std::string>& values) {
    Object::Ptr s = typed("string");
    s->set("enum", strings(values));
    return s;
}

Object::Ptr fieldSchema(const form::FieldSpec& f);

Object::Ptr valueSchema(const form::FieldSpec& f) {
    using form::FieldType;
    Object::Ptr s;
    switch (f.type) {
    case FieldType::Text:
    case FieldType::MText:
    case FieldType::Phone:
        s = typed("string");
        if (f.digits > 0) {
            s->set("pattern", "^[0-9]{" + std::to_string(f.digits) + "}$");
        } else {
            if (f.maxLength > 0) s->set("maxLength", f.maxLength);
            if (f.charset == "digits") s->set("pattern", "^[0-9]*$");
            if (f.charset == "katakana") s->set("description", "全角カタカナ");
        }
        if (f.type == FieldType::Phone) s->set("pattern", "^0[0-9]{1,4}-?[0-9]{1,4}-?[0-9]{3,4}$");
        if (f.type == FieldType::MText) s->set("description", "複数行(改行可)");
        break;
    case FieldType::Date:
        s = typed("string");
        s->set("format", "date");
        break;
    case FieldType::Time:
        s = typed("string");
        s->set("pattern", "^[0-9]{1,2}:[0-9]{2}$");
        break;
    case FieldType::DateTime:
        s = typed("string");
        s->set("description", "日時 YYYY-MM-DDTHH:MM+09:00");
        break;
    case FieldType::Number:
        s = typed("integer");
        if (f.min) s->set("minimum", *f.min);
        if (f.max) s->set("maximum", *f.max);
        break;
    case FieldType::Bool:
        s = typed("boolean");
        if (f.mustBeTrue) s->set("const", true);
        break;
    case FieldType::Enum: {
        std::vector<std::string> values;
        for (const auto& o : f.options) values.push_back(o.value);
        s = stringEnum(values);
        break;
    }
    case FieldType::Multi: {
        std::vector<std::string> values;
        for (const auto& o : f.options) values.push_back(o.value);
        s = arrayOf(stringEnum(values));
        s->set("uniqueItems", true);
        break;
    }
    case FieldType::Table: {
        Object::Ptr row = typed("object");
        Object::Ptr columns = obj();
        for (const auto& c : f.columns) columns->set(c.key, fieldSchema(c));
        row->set("properties", columns);
        row->set("additionalProperties", false);
        s = arrayOf(row);
        if (f.maxRows > 0) s->set("maxItems", f.maxRows);
        break;
    }
    case FieldType::Derived: s = obj(); break;  // not reached: derived fields are left out
    }
    return s;
}

// A field: its value, or a blank (null, or only spaces) meaning "not filled in".
Object::Ptr fieldSchema(const form::FieldSpec& f) {
    Object::Ptr s = obj();
    s->set("title", f.label);
    std::string description = "type " + form::fieldTypeName(f.type);
    if (!f.section.empty()) description += ", section " + f.section;
    if (!f.requiredWhen.empty()) {
        description += ", required when";
        for (const auto& c : f.requiredWhen)
            description += " " + c.field + (c.anyOf.empty() ? " is filled in" : " is one of the listed values");
    }
    if (f.personal) description += ", personal (masked on a fax)";
    s->set("description", description);
    Array::Ptr anyOf = new Array;
    anyOf->add(valueSchema(f));
    anyOf->add(schemaRef("Blank"));
    s->set("anyOf", anyOf);
    return s;
}

Object::Ptr documentSchema(const std::vector<const form::SheetTemplate*>& sheets, bool topLevel) {
    std::vector<std::string> ids;
    for (const auto* sheet : sheets) ids.push_back(sheet->id);
    Object::Ptr s = obj();
    Array::Ptr rules = new Array;
    for (const auto* sheet : sheets) {
        Object::Ptr rule = obj();
        Object::Ptr when = obj();
        Object::Ptr is = obj();
        Object::Ptr constant = obj();
        constant->set("const", sheet->id);
        is->set("sheet", constant);
        when->set("properties", is);
        when->set("required", strings({"sheet"}));
        Object::Ptr then = obj();
        Object::Ptr fields = obj();
        fields->set("fields", schemaRef("Fields." + sheet->id));
        then->set("properties", fields);
        rule->set("if", when);
        rule->set("then", then);
        rules->add(rule);
    }
    s->set("allOf", rules);
    if (!topLevel) {
        s->set("type", "object");
        Object::Ptr p = obj();
        p->set("sheet", stringEnum(ids));
        p->set("fields", typed("object"));
        Object::Ptr workbook = typed("string");
        workbook->set("contentEncoding", "base64");
        workbook->set("description", "The sheet's workbook (.xlsx) in place of fields.");
        p->set("workbook", workbook);
        s->set("properties", p);
        s->set("required", strings({"sheet"}));
        s->set("additionalProperties", false);
    }
    return s;
}

Object::Ptr jobRequestSchema(const std::vector<const form::SheetTemplate*>& sheets) {
    std::vector<std::string> ids;
    for (const auto* sheet : sheets) ids.push_back(sheet->id);
    Object::Ptr delivery = objectOf({{"channel", stringEnum({"print", "fax"})},
                                     {"partner", typed("string")},
                                     {"number", typed("string")}},
                                    {"channel"}, true);
    delivery->set("description", "fax: partner (a directory id) or, where fax.allowAdHocNumbers is on, number.");
    Object::Ptr base64 = typed("string");
    base64->set("contentEncoding", "base64");
    base64->set("contentMediaType", "application/pdf");
    Object::Ptr attachment = objectOf({{"name", typed("string")}, {"contentBase64", base64}}, {"contentBase64"}, true);
    Object::Ptr cover = objectOf({{"message", typed("string")},
                                  {"reply_needed", typed("string")},
                                  {"reply_deadline", typed("string")},
                                  {"receipt_call_request", typed("string")},
                                  {"patient_ref", typed("string")}},
                                 {}, true);
    cover->set("description", "Options of the fax cover sheet (FAX送付状).");
    Object::Ptr workbook = typed("string");
    workbook->set("contentEncoding", "base64");
    workbook->set("contentMediaType", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    workbook->set("description", "The sheet's workbook filled in by hand, in place of fields (issue 17).");
    Object::Ptr s = objectOf({{"sheet", stringEnum(ids)},
                              {"fields", typed("object")},
                              {"workbook", workbook},
                              {"documents", arrayOf(schemaRef("JobDocument"))},
                              {"delivery", delivery},
                              {"attachments", arrayOf(attachment)},
                              {"cover", cover},
                              {"patient_ref", typed("string")},
                              {"allow_duplicate", typed("boolean")}},
                             {"delivery"}, true);
    s->set("description", "One sheet (sheet and fields) or several (documents), and where the job goes.");
    Array::Ptr allOf = documentSchema(sheets, true)->getArray("allOf");
    s->set("allOf", allOf);
    return s;
}

Object::Ptr componentsSchemas(const form::TemplateRegistry& templates) {
    const std::vector<const form::SheetTemplate*> sheets = templates.all();
    Object::Ptr s = obj();
    s->set("Problem", problemSchema());
    Object::Ptr blank = obj();
    blank->set("description", "Not filled in: null, or a string of spaces only.");
    Array::Ptr blankOf = new Array;
    blankOf->add(typed("null"));
    Object::Ptr spaces = typed("string");
    spaces->set("pattern", "^[ \\t\\r\\n\\u3000]*$");
    blankOf->add(spaces);
    blank->set("anyOf", blankOf);
    s->set("Blank", blank);
    for (const auto* sheet : sheets) s->set("Fields." + sheet->id, fieldsSchema(*sheet));
    s->set("JobDocument", documentSchema(sheets, false));
    s->set("JobRequest", jobRequestSchema(sheets));
    s->set("RenderRequest", objectOf({{"fields", typed("object")}}, {"fields"}, true));
    Object::Ptr problem = objectOf({{"field", typed("string")},
                                    {"code", typed("string")},
                                    {"message", typed("string")},
                                    {"cell", typed("string")},
                                    {"name", typed("string")},
                                    {"label", typed("string")}},
                                   {"field", "code", "message", "cell", "name", "label"});
    s->set("ImportResult", objectOf({{"sheet", typed("string")},
                                     {"version", typed("string")},
                                     {"valid", typed("boolean")},
                                     {"fields", typed("object")},
                                     {"problems", arrayOf(problem)}},
                                    {"sheet", "version", "valid", "fields", "problems"}));
    s->set("ReceiptRequest",
           objectOf({{"at", typed("string")},
                     {"person", [] {
                          Object::Ptr p = typed("string");
                          p->set("minLength", 1);
                          p->set("maxLength", 40);
                          return p;
                      }()},
                     {"method", stringEnum({"phone", "fax", "email", "in_person", "video", "other"})}},
                    {"person"}, true));
    s->set("DeliveredRequest",
           objectOf({{"at", typed("string")},
                     {"method", stringEnum({"in_person", "mail", "fax", "email", "other"})},
                     {"person", typed("string")},
                     {"note", typed("string")}},
                    {"at", "method", "person"}, true));
    const std::vector<std::pair<std::string, Object::Ptr>> draftContent = {
        {"sheet", typed("string")},  {"fields", typed("object")}, {"title", typed("string")},
        {"patient_ref", typed("string")}, {"delivery", typed("object")}, {"cover", typed("object")}};
    Object::Ptr fromJob = objectOf({{"from_job", typed("string")}}, {"from_job"}, true);
    Object::Ptr newDraft = objectOf(draftContent, {"sheet", "fields"});
    Object::Ptr create = obj();
    Array::Ptr either = new Array;
    either->add(newDraft);
    either->add(fromJob);
    create->set("oneOf", either);
    s->set("DraftCreate", create);
    std::vector<std::pair<std::string, Object::Ptr>> updateContent = draftContent;
    Object::Ptr revision = typed("integer");
    revision->set("minimum", 1);
    updateContent.emplace_back("revision", revision);
    s->set("DraftUpdate", objectOf(updateContent, {"fields"}));
    s->set("Draft", objectOf({{"id", typed("string")}, {"sheet", typed("string")}, {"revision", typed("integer")}}, {"id"}));
    s->set("DraftList", objectOf({{"drafts", arrayOf(schemaRef("Draft"))}}, {"drafts"}));
    Object::Ptr state = stringEnum({"accepted", "rendering", "rendered", "held", "spooled", "sent", "failed", "cancelled"});
    s->set("Job", objectOf({{"id", typed("string")},
                            {"sheet", typed("string")},
                            {"state", state},
                            {"channel", stringEnum({"print", "fax"})},
                            {"destination", typed("string")},
                            {"pageCount", typed("integer")},
                            {"attempt", typed("integer")},
                            {"createdAt", typed("string")},
                            {"updatedAt", typed("string")},
                            {"links", typed("object")},
                            {"evidence", typed("object")},
                            {"replyRef", typed("string")},
                            {"replies", arrayOf(schemaRef("Reply"))}},
                           {"id", "sheet", "state", "channel", "createdAt"}));
    s->set("JobList", objectOf({{"jobs", arrayOf(schemaRef("Job"))},
                                {"total", typed("integer")},
                                {"limit", typed("integer")},
                                {"offset", typed("integer")}},
                               {"jobs", "total", "limit", "offset"}));
    s->set("EventList", objectOf({{"events", arrayOf(objectOf({{"seq", typed("integer")},
                                                               {"kind", typed("string")},
                                                               {"at", typed("string")},
                                                               {"actor", typed("string")},
                                                               {"detail", obj()}}))}},
                                 {"events"}));
    s->set("Sheet", objectOf({{"id", typed("string")},
                              {"title", typed("string")},
                              {"version", typed("string")},
                              {"pages", typed("integer")},
                              {"fields", arrayOf(typed("object"))}},
                             {"id", "title", "fields"}));
    s->set("SheetList", objectOf({{"sheets", arrayOf(schemaRef("Sheet"))}}, {"sheets"}));
    s->set("PartnerList", objectOf({{"partners", arrayOf(objectOf({{"id", typed("string")},
                                                                   {"kind", typed("string")},
                                                                   {"name", typed("string")},
                                                                   {"fax", typed("string")}}))}},
                                   {"partners"}));
    s->set("Reply", objectOf({{"id", typed("integer")},
                              {"receivedAt", typed("string")},
                              {"sender", typed("string")},
                              {"pages", arrayOf(objectOf({{"page", typed("integer")},
                                                          {"document", typed("integer")},
                                                          {"sentPage", typed("integer")},
                                                          {"part", stringEnum({"page", "reply"})}}))},
                              {"document", typed("string")}},
                             {"id", "document"}));
    s->set("InboxList",
           objectOf({{"entries", arrayOf(objectOf({{"id", typed("integer")},
                                                   {"receivedAt", typed("string")},
                                                   {"sender", typed("string")},
                                                   {"office", typed("string")},
                                                   {"reason", typed("string")},
                                                   {"reasonMessage", typed("string")},
                                                   {"format", stringEnum({"pdf", "original"})},
                                                   {"sizeBytes", typed("integer")},
                                                   {"file", typed("string")},
                                                   {"filePage", typed("integer")},
                                                   {"createdAt", typed("string")},
                                                   {"document", typed("string")}},
                                                  {"id", "reason", "format", "document"}))}},
                    {"entries"}));
    s->set("InboxAssign", objectOf({{"reference", typed("string")}}, {"reference"}, true));
    s->set("InboxAssigned", objectOf({{"replyId", typed("integer")}, {"inboxId", typed("integer")}},
                                     {"replyId", "inboxId"}));
    s->set("AuditList", objectOf({{"entries", arrayOf(typed("object"))}}, {"entries"}));
    s->set("Health", objectOf({{"status", stringEnum({"ok"})}}, {"status"}));
    Object::Ptr check = objectOf({{"ok", typed("boolean")}, {"code", typed("string")}}, {"ok"});
    Object::Ptr checks = typed("object");
    checks->set("additionalProperties", check);
    s->set("Readiness", objectOf({{"status", stringEnum({"ready"})}, {"checks", checks}}, {"status", "checks"}));
    Object::Ptr notReady = obj();
    Array::Ptr both = new Array;
    both->add(schemaRef("Problem"));
    both->add(objectOf({{"failing", arrayOf(typed("string"))}, {"checks", checks}}, {"failing", "checks"}));
    notReady->set("allOf", both);
    s->set("NotReady", notReady);
    Object::Ptr document = objectOf({{"openapi", typed("string")}}, {"openapi"});
    s->set("OpenApiDocument", document);
    return s;
}

// ---- Paths ----

Object::Ptr media(const Object::Ptr& schema) {
    Object::Ptr m = obj();
    m->set("schema", schema);
    return m;
}

Object::Ptr content(const std::string& mediaType, const Object::Ptr& schema) {
    Object::Ptr c = obj();
    c->set(mediaType, media(schema));
    return c;
}

Object::Ptr binary() {
    Object::Ptr s = typed("string");
    s->set("contentMediaType", "application/octet-stream");
    return s;
}

Object::Ptr answerObject(const Answer& a) {
    Object::Ptr r = obj();
    r->set("description", a.description);
    if (a.content == "problem") {
        r->set("content", content("application/problem+json", schemaRef("Problem")));
    } else if (a.content == "NotReady") {
        r->set("content", content("application/problem+json", schemaRef("NotReady")));
    } else if (a.content == "pdf-or-xlsx") {
        Object::Ptr c = content("application/pdf", binary());
        c->set("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", media(binary()));
        r->set("content", c);
    } else if (a.content == "xlsx") {
        r->set("content", content("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary()));
    } else if (a.content == "csv-or-json") {
        Object::Ptr c = content("application/json", typed("object"));
        c->set("text/csv", media(typed("string")));
        r->set("content", c);
    } else if (a.content == "pdf") {
        r->set("content", content("application/pdf", binary()));
    } else if (a.content == "pdf-or-binary") {
        Object::Ptr c = content("application/pdf", binary());
        c->set("application/octet-stream", media(binary()));
        r->set("content", c);
    } else if (a.content == "metrics") {
        r->set("content", content("text/plain", typed("string")));
    } else if (!a.content.empty()) {
        r->set("content", content("application/json", schemaRef(a.content)));
    }
    return r;
}

Object::Ptr pathParam(const std::string& name) {
    Object::Ptr p = obj();
    p->set("name", name);
    p->set("in", "path");
    p->set("required", true);
    Object::Ptr s = typed("string");
    // The checks Router::find makes.
    s->set("pattern", name == "id" ? "^[0-9a-f]{32}$" : "^[a-z0-9][a-z0-9-]{0,63}$");
    p->set("schema", s);
    return p;
}

std::vector<std::string> pathParamNames(const std::string& pattern) {
    std::vector<std::string> names;
    for (size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
        size_t close = pattern.find('}', open);
        if (close == std::string::npos) break;
        names.push_back(pattern.substr(open + 1, close - open - 1));
    }
    return names;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

std::string operationId(const std::string& method, const std::string& pattern) {
    std::string id = lower(method);
    for (char c : pattern) id += (c == '/' || c == '{' || c == '}' || c == '.' || c == '-') ? '_' : c;
    return id;
}

Object::Ptr operation(const Router::RouteInfo& route, const RouteDoc* doc) {
    Object::Ptr op = obj();
    op->set("operationId", operationId(route.method, route.pattern));
    op->set("summary", doc ? doc->summary : "(undescribed)");
    if (doc) op->set("tags", strings({doc->tag}));
    if (route.adminOnly) op->set("description", "Admins only: others get 403.");
    Array::Ptr params = new Array;
    for (const auto& name : pathParamNames(route.pattern)) params->add(pathParam(name));
    if (doc) {
        for (const auto& q : doc->query) {
            Object::Ptr p = obj();
            p->set("name", q.name);
            p->set("in", "query");
            p->set("description", q.description);
            p->set("schema", q.choices.empty() ? typed(q.type) : stringEnum(q.choices));
            params->add(p);
        }
        if (doc->idempotencyKey) {
            Object::Ptr p = obj();
            p->set("name", "Idempotency-Key");
            p->set("in", "header");
            p->set("description", "The same key again answers the job it created (200) instead of a new one.");
            Object::Ptr s = typed("string");
            s->set("maxLength", 200);
            p->set("schema", s);
            params->add(p);
        }
    }
    if (params->size() > 0) op->set("parameters", params);
    if (doc && doc->body == "xlsx-upload") {
        Object::Ptr body = obj();
        body->set("required", true);
        Object::Ptr c = content("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary());
        Object::Ptr form = typed("object");
        Object::Ptr props = obj();
        props->set("workbook", binary());
        form->set("properties", props);
        c->set("multipart/form-data", media(form));
        body->set("content", c);
        op->set("requestBody", body);
    } else if (doc && !doc->body.empty()) {
        Object::Ptr body = obj();
        body->set("required", true);
        body->set("content", content("application/json", schemaRef(doc->body)));
        op->set("requestBody", body);
    }
    Object::Ptr responses = obj();
    if (doc)
        for (const auto& a : doc->answers) responses->set(std::to_string(a.status), answerObject(a));
    const bool api = route.pattern.rfind("/api/", 0) == 0;
    if (api) {
        responses->set("401", answerObject({401, "No token, or a token that is not valid.", "problem"}));
        if (route.adminOnly) responses->set("403", answerObject({403, "Admins only.", "problem"}));
        responses->set("429", answerObject({429, "Too many failed authentications; see Retry-After.", "problem"}));
    }
    Object::Ptr fallback = answerObject({0, "Any other problem (e.g. 503 with Retry-After when busy).", "problem"});
    responses->set("default", fallback);
    op->set("responses", responses);
    if (!api) op->set("security", Array::Ptr(new Array));  // no token asked for
    return op;
}

}  // namespace

Object::Ptr fieldsSchema(const form::SheetTemplate& sheet) {
    Object::Ptr s = typed("object");
    s->set("title", sheet.title);
    Object::Ptr properties = obj();
    std::vector<std::string> required;
    for (const auto& f : sheet.fields) {
        if (f.type == form::FieldType::Derived) continue;
        properties->set(f.key, fieldSchema(f));
        if (f.required) required.push_back(f.key);
    }
    s->set("properties", properties);
    if (!required.empty()) s->set("required", strings(required));
    s->set("additionalProperties", false);
    return s;
}

std::vector<std::pair<std::string, std::string>> describedRoutes() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& d : routeDocs()) out.emplace_back(d.method, d.pattern);
    return out;
}

Object::Ptr openApiDocument(const Router& router, const form::TemplateRegistry& templates) {
    std::map<std::pair<std::string, std::string>, const RouteDoc*> docs;
    for (const auto& d : routeDocs()) docs[{d.method, d.pattern}] = &d;
    Object::Ptr doc = obj();
    doc->set("openapi", "3.1.0");
    Object::Ptr info = obj();
    info->set("title", "Renkei");
    info->set("version", "1");
    info->set("description",
              "Renkei renders Japanese care coordination sheets (帳票) to PDF and XLSX and sends them to the print "
              "spool, a CUPS queue or the fax gateway. Errors are RFC 9457 problem documents.");
    doc->set("info", info);
    doc->set("jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base");
    Object::Ptr paths = obj();
    std::set<std::string> tags;
    for (const auto& route : router.routes()) {
        Object::Ptr item = paths->getObject(route.pattern);
        if (!item) {
            item = obj();
            paths->set(route.pattern, item);
        }
        auto found = docs.find({route.method, route.pattern});
        const RouteDoc* d = found == docs.end() ? nullptr : found->second;
        if (d) tags.insert(d->tag);
        item->set(lower(route.method), operation(route, d));
    }
    doc->set("paths", paths);
    Object::Ptr components = obj();
    components->set("schemas", componentsSchemas(templates));
    Object::Ptr bearer = obj();
    bearer->set("type", "http");
    bearer->set("scheme", "bearer");
    bearer->set("description", "An access token from the tokens file (auth.tokensFile).");
    Object::Ptr schemes = obj();
    schemes->set("bearerAuth", bearer);
    components->set("securitySchemes", schemes);
    doc->set("components", components);
    Array::Ptr security = new Array;
    Object::Ptr requirement = obj();
    requirement->set("bearerAuth", Array::Ptr(new Array));
    security->add(requirement);
    doc->set("security", security);
    Array::Ptr tagList = new Array;
    for (const auto& t : tags) {
        Object::Ptr tag = obj();
        tag->set("name", t);
        tagList->add(tag);
    }
    doc->set("tags", tagList);
    return doc;
}

void registerOpenApiRoute(Router& router, const form::TemplateRegistry& templates) {
    router.add("GET", "/api/v1/openapi.json", [&router, &templates](RequestContext& ctx) {
        sendJson(ctx.response, 200, openApiDocument(router, templates));
    });
}

}  // namespace http
