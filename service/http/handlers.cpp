#include "http/handlers.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "common/utf8.h"
#include "form/wareki.h"
#include "app/evidence_report.h"
#include "app/sender_block.h"
#include "common/clock.h"
#include "http/fax_preview.h"
#include "http/job_json.h"
#include "http/problem.h"
#include "ops/metrics.h"
#include "app/workbook_intake.h"
#include "xlsx_import/sheet_import.h"

#include <Poco/DateTime.h>

namespace http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const char* kPdfType = "application/pdf";
const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// Thrown by a handler step to answer with a problem document; caught by the
// wrapper in server.cpp's factory via sendProblem.
struct HttpError {
    int status;
    std::string code;
    std::string title;
};

// Microseconds since the epoch of midnight, Japan time, at the start of d.
long long jstMidnightUs(const form::Date& d) { return form::jstEpochMicroseconds(d); }

// The years a date in a query may name: the job store holds nothing outside
// them, and the calendar arithmetic (the month after, midnight in Japan
// time) stays within what Poco::DateTime accepts.
bool queryableYear(int year) { return year >= 1900 && year <= 2999; }

// A "from"/"to" query parameter: a date (midnight, Japan time) or a date-time.
// Absent: nullopt. Malformed: an error for the parameter.
std::optional<long long> queryTimeUs(const RequestContext& ctx, const char* name,
                                     std::vector<common::FieldError>& errors) {
    const std::string v = ctx.query(name);
    if (v.empty()) return std::nullopt;
    if (auto d = form::parseIsoDate(v); d && queryableYear(d->year)) return jstMidnightUs(*d);
    if (auto dt = form::parseIsoDateTimeJst(v); dt && queryableYear(dt->date.year))
        return form::jstEpochMicroseconds(dt->date, dt->time);
    errors.push_back({name, "invalid_datetime", std::string(name) + " は日付(YYYY-MM-DD)または日時で指定してください。"});
    return std::nullopt;
}

std::string actorOf(const RequestContext& ctx) {
    return ctx.principal.name.empty() ? "api" : ctx.principal.name;
}

// Thrown by a handler step to answer with a failed Status (sendStatus, which
// logs a 5xx with its message).
struct StatusError {
    common::Status status;
};

// Thrown when input is well-formed JSON apart from bad bytes or unpaired
// surrogate escapes in some values.
struct FieldErrors {
    std::vector<common::FieldError> errors;
};

// Poco refuses a whole body for an invalid UTF-8 byte or an escaped unpaired
// surrogate ("\ud800"). To name the values that hold them, each bad byte is
// replaced by U+FFFF and each such escape by \uFFFE, and the body parsed
// again: no accepted value may hold these noncharacters (see the validator).
const char* kBadByte = "\xEF\xBF\xBF";
const char* kLoneSurrogate = "\xEF\xBF\xBE";

void collectBad(const Poco::Dynamic::Var& v, const std::string& path, std::vector<common::FieldError>& out) {
    if (v.type() == typeid(Object::Ptr)) {
        for (const auto& [key, value] : *v.extract<Object::Ptr>())
            collectBad(value, path.empty() ? key : path + "." + key, out);
    } else if (v.type() == typeid(Array::Ptr)) {
        Array::Ptr a = v.extract<Array::Ptr>();
        for (size_t i = 0; i < a->size(); ++i) collectBad(a->get(i), path + "[" + std::to_string(i) + "]", out);
    } else if (v.isString() && v.extract<std::string>().find(kBadByte) != std::string::npos) {
        out.push_back({path, "invalid_utf8", "「" + path + "」に不正な文字コード(UTF-8以外)が含まれています。"});
    } else if (v.isString() && v.extract<std::string>().find(kLoneSurrogate) != std::string::npos) {
        out.push_back({path, "invalid_characters",
                       "「" + path + "」に対になっていないサロゲート(U+D800〜U+DFFF)が含まれています。"});
    }
}

// The value of the \uXXXX escape at text[at] ("\\u" included), or -1.
long escapeAt(const std::string& text, size_t at) {
    if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return -1;
    long value = 0;
    for (size_t i = at + 2; i < at + 6; ++i) {
        char h = static_cast<char>(text[i] | 0x20);  // lower case for letters
        int digit = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

std::vector<common::FieldError> invalidCharacterFields(const std::string& body) {
    std::string marked;
    bool changed = false;
    for (size_t i = 0; i < body.size();) {
        if (body[i] == '\\') {
            long unit = escapeAt(body, i);
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                long low = escapeAt(body, i + 6);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    marked.append(body, i, 12);
                    i += 12;
                    continue;
                }
            }
            if (unit >= 0xD800 && unit <= 0xDFFF) {
                marked += "\\uFFFE";
                changed = true;
                i += 6;
                continue;
            }
            marked.append(body, i, std::min<size_t>(2, body.size() - i));  // "\\" must not start another escape
            i += 2;
            continue;
        }
        size_t len = 1;
        unsigned char c = static_cast<unsigned char>(body[i]);
        if (c >= 0xC2 && c <= 0xF4) len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + len <= body.size() && common::decodeUtf8(body.substr(i, len))) {
            marked.append(body, i, len);
            i += len;
        } else {
            marked += kBadByte;
            changed = true;
            i += 1;
        }
    }
    if (!changed) return {};
    std::vector<common::FieldError> errors;
    try {
        collectBad(Poco::JSON::Parser().parse(marked), "", errors);
    } catch (const std::exception&) {
        return {};  // broken beyond the bytes: plain malformed JSON
    }
    return errors;
}

// Reads the body up to the configured limit. 413 past it, 415 for a body
// that does not say it is JSON.
std::string readBody(RequestContext& ctx, long long limit) {
    const auto& req = ctx.request;
    std::istream& in = ctx.request.stream();
    char buf[8192];
    if (req.hasContentLength() && req.getContentLength64() > limit) {
        // Read a moderately oversized body to its end before answering, so the
        // client sees the 413 instead of a reset while it is still sending.
        constexpr long long kDrainBytes = 8LL << 20;
        if (req.getContentLength64() <= kDrainBytes)
            while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            }
        throw HttpError{413, "body_too_large", "リクエストが上限(" + std::to_string(limit) + "バイト)を超えています。"};
    }
    std::string body;
    while (in.good()) {
        in.read(buf, sizeof buf);
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (static_cast<long long>(body.size()) > limit)
            throw HttpError{413, "body_too_large", "リクエストが上限(" + std::to_string(limit) + "バイト)を超えています。"};
    }
    // A body that stops short (a client that went quiet) ends the connection.
    if (req.hasContentLength() && static_cast<long long>(body.size()) < req.getContentLength64())
        throw HttpError{408, "request_timeout", "リクエスト本文が途中で止まりました。"};
    // A chunked body that ended before its last chunk, or broke the chunked
    // syntax (the listener's body stream goes bad): the part that arrived may
    // well parse as a whole request, so none of it is used.
    if (in.bad()) throw HttpError{400, "incomplete_body", "リクエスト本文が途中で終わっているか、chunked の形式が正しくありません。"};
    return body;
}

Object::Ptr readJsonObject(RequestContext& ctx, long long limit) {
    const std::string type = ctx.request.getContentType();
    if (!type.empty() && type.find("application/json") == std::string::npos)
        throw HttpError{415, "unsupported_media_type", "Content-Type は application/json を指定してください。"};
    std::string body = readBody(ctx, limit);
    if (body.empty()) throw HttpError{400, "empty_body", "リクエスト本文(JSON)がありません。"};
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(body);
    } catch (const std::exception&) {
        // Poco refuses a body with invalid UTF-8 or an unpaired surrogate as a whole; name the fields instead.
        std::vector<common::FieldError> errors = invalidCharacterFields(body);
        if (!errors.empty()) throw FieldErrors{std::move(errors)};
        throw HttpError{400, "malformed_json", "JSON の構文が正しくありません。"};
    }
    if (parsed.type() != typeid(Object::Ptr))
        throw HttpError{400, "malformed_json", "リクエスト本文は JSON オブジェクトにしてください。"};
    return parsed.extract<Object::Ptr>();
}

app::Format formatOf(const RequestContext& ctx, const std::string& def) {
    std::string f = ctx.query("format");
    if (f.empty()) f = def;
    if (f == "pdf") return app::Format::Pdf;
    if (f == "xlsx") return app::Format::Xlsx;
    throw HttpError{422, "invalid_format", "format は pdf または xlsx を指定してください。"};
}

void fail(RequestContext& ctx, const common::Status& status) { sendStatus(ctx.response, status, ctx.requestId); }

Object::Ptr fieldToJson(const form::FieldSpec& f) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("key", f.key);
    o->set("label", f.label);
    o->set("type", form::fieldTypeName(f.type));
    o->set("required", f.required);
    if (!f.requiredWhen.empty()) {
        Array::Ptr conds = new Array;
        for (const auto& c : f.requiredWhen) {
            Object::Ptr co = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
            co->set("field", c.field);
            if (!c.anyOf.empty()) {
                Array::Ptr any = new Array;
                for (const auto& v : c.anyOf) any->add(v);
                co->set("anyOf", any);
            }
            conds->add(co);
        }
        o->set("requiredWhen", conds);
    }
    if (!f.section.empty()) o->set("section", f.section);
    if (f.maxLength > 0) o->set("maxLength", f.maxLength);
    if (f.designLength > 0) o->set("designLength", f.designLength);
    if (f.type == form::FieldType::MText) o->set("lines", f.designLines);
    if (f.min) o->set("min", *f.min);
    if (f.max) o->set("max", *f.max);
    if (!f.charset.empty()) o->set("charset", f.charset);
    if (f.digits > 0) o->set("digits", f.digits);
    if (!f.options.empty()) {
        Array::Ptr opts = new Array;
        for (const auto& opt : f.options) {
            Object::Ptr oo = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
            oo->set("value", opt.value);
            oo->set("label", opt.label);
            if (!opt.noteKey.empty()) oo->set("noteField", opt.noteKey);
            opts->add(oo);
        }
        o->set("options", opts);
    }
    if (!f.exclusive.empty()) o->set("exclusive", f.exclusive);
    if (f.type == form::FieldType::Table) {
        Array::Ptr cols = new Array;
        for (const auto& c : f.columns) cols->add(fieldToJson(c));
        o->set("columns", cols);
        o->set("maxRows", f.maxRows);
    }
    if (!f.derive.empty()) o->set("derived", f.derive);
    if (!f.deriveFrom.empty()) {
        Array::Ptr from = new Array;
        for (const auto& k : f.deriveFrom) from->add(k);
        o->set("derivedFrom", from);
    }
    if (f.isNote) o->set("note", true);
    if (!f.printed) o->set("printed", false);
    return o;
}

void listSheets(RequestContext& ctx, Services& s) {
    Array::Ptr list = new Array;
    for (const auto* sheet : s.documents.templates().all()) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("id", sheet->id);
        o->set("title", sheet->title);
        o->set("version", sheet->version);
        o->set("pages", static_cast<int>(sheet->pages.size()));
        list->add(o);
    }
    Object::Ptr body = new Object;
    body->set("sheets", list);
    sendJson(ctx.response, 200, body);
}

const form::SheetTemplate& sheetOf(RequestContext& ctx, Services& s) {
    const form::SheetTemplate* sheet = s.documents.templates().find(ctx.params["sheet"]);
    if (!sheet) throw HttpError{404, "unknown_sheet", "帳票「" + ctx.params["sheet"] + "」はありません。"};
    return *sheet;
}

void getSheet(RequestContext& ctx, Services& s) {
    const form::SheetTemplate& sheet = sheetOf(ctx, s);
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("id", sheet.id);
    o->set("title", sheet.title);
    o->set("version", sheet.version);
    o->set("pages", static_cast<int>(sheet.pages.size()));
    Array::Ptr fields = new Array;
    for (const auto& f : sheet.fields) fields->add(fieldToJson(f));
    o->set("fields", fields);
    sendJson(ctx.response, 200, o);
}

// The caller's office, whose profile signs what it renders. 409 when the
// office has left the registry since the token was loaded.
const offices::Office& officeOf(RequestContext& ctx, const offices::OfficeDirectory& directory) {
    const offices::Office* office = directory.find(ctx.principal.office);
    if (!office)
        throw HttpError{409, "unknown_office", "事業所「" + ctx.principal.office + "」は事業所一覧に登録されていません。"};
    return *office;
}

// The business calendar of a job's office; the default (Monday to Friday,
// 9:00-18:00, national holidays) for an office no longer registered.
evidence::BusinessCalendar calendarOf(const Services& s, const std::string& office) {
    const auto directory = s.offices.current();
    if (const offices::Office* o = directory->find(office)) return o->calendar;
    return evidence::BusinessCalendar();
}

// ?fax=<partner>: the masked fax the partner would receive (fax_preview.h).
// The mask comes from the partner, never from the caller.
void renderFaxPreviewRoute(RequestContext& ctx, Services& s, const form::SheetTemplate& sheet, app::Format format,
                           const Object::Ptr& body) {
    if (format != app::Format::Pdf) throw HttpError{422, "invalid_format", "FAXのプレビューは format=pdf だけです。"};
    app::JobLimits limits;
    limits.defaultMask = partners::parseMask(s.settings.faxDefaultMask).value_or(partners::MaskMode::Initials);
    limits.maxDocuments = s.settings.documentsPerJob;
    limits.maxAttachments = s.settings.attachmentsPerJob;
    limits.maxPages = s.settings.pagesPerJob;
    const auto directory = s.offices.current();
    auto doc = renderFaxPreview(s.documents, *s.partners.current(), officeOf(ctx, *directory), limits, sheet.id,
                                ctx.query("fax"), body, common::isoJst(s.clock.now()));
    if (!doc) return fail(ctx, doc.status());
    ctx.response.set("X-Page-Count", std::to_string(doc->pageCount));
    sendBytes(ctx.response, 200, kPdfType, doc->bytes, sheet.id + "-fax-preview.pdf", sheet.title + "_FAXプレビュー.pdf");
}

void renderSheet(RequestContext& ctx, Services& s) {
    const form::SheetTemplate& sheet = sheetOf(ctx, s);
    app::Format format = formatOf(ctx, "pdf");
    Object::Ptr body = readJsonObject(ctx, s.settings.maxBodyBytes);
    if (!ctx.query("fax").empty()) return renderFaxPreviewRoute(ctx, s, sheet, format, body);
    std::vector<common::FieldError> errors;
    for (const auto& [key, value] : *body)
        if (key != "fields") errors.push_back({key, "unknown_field", "「" + key + "」は指定できない項目です。"});
    if (!body->getObject("fields")) errors.push_back({"fields", "required", "記入内容(fields)をオブジェクトで指定してください。"});
    if (!errors.empty()) return fail(ctx, common::Status::invalidArgument("invalid request", errors));
    const auto directory = s.offices.current();
    auto fields = app::withSenderFields(body->getObject("fields"), sheet, officeOf(ctx, *directory), "fields.");
    if (!fields) return fail(ctx, fields.status());
    auto data = s.documents.validate(sheet.id, fields.value());
    if (!data) return fail(ctx, data.status());
    // A preview has no job: its id and date are fixed so the output is repeatable.
    auto doc = s.documents.render(sheet, data.value(), format, "00000000000000000000000000000000",
                                  "2000-01-01T00:00:00+09:00");
    if (!doc) return fail(ctx, doc.status());
    const bool pdf = format == app::Format::Pdf;
    ctx.response.set("X-Page-Count", std::to_string(doc->pageCount));
    if (!doc->warnings.empty()) ctx.response.set("X-Renkei-Warnings", std::to_string(doc->warnings.size()));
    sendBytes(ctx.response, 200, pdf ? kPdfType : kXlsxType, doc->bytes, sheet.id + (pdf ? ".pdf" : ".xlsx"),
              sheet.title + (pdf ? ".pdf" : ".xlsx"));
}

// The blank form (issue 17): the workbook an office keeps as its master,
// filled in by hand and sent back through import.
void getWorkbook(RequestContext& ctx, Services& s) {
    const form::SheetTemplate& sheet = sheetOf(ctx, s);
    auto doc = s.documents.renderBlankWorkbook(sheet);
    if (!doc) return fail(ctx, doc.status());
    sendBytes(ctx.response, 200, kXlsxType, doc->bytes, sheet.id + "-blank.xlsx", sheet.title + "_様式.xlsx");
}

// The workbook of an import: the raw body, or the file of a
// multipart/form-data body as a browser uploads it.
std::string uploadedWorkbook(RequestContext& ctx, long long limit) {
    std::string mediaType;
    Poco::Net::NameValueCollection params;
    Poco::Net::MessageHeader::splitParameters(ctx.request.getContentType(), mediaType, params);
    const bool multipart = Poco::icompare(mediaType, "multipart/form-data") == 0;
    if (!mediaType.empty() && !multipart && Poco::icompare(mediaType, kXlsxType) != 0 &&
        Poco::icompare(mediaType, "application/octet-stream") != 0)
        throw HttpError{415, "unsupported_media_type",
                        "Content-Type は " + std::string(kXlsxType) + " または multipart/form-data を指定してください。"};
    std::string body = readBody(ctx, limit);
    if (body.empty()) throw HttpError{400, "empty_body", "ブック(.xlsx)が送られていません。"};
    if (!multipart) return body;
    const std::string boundary = params.get("boundary", "");
    const HttpError malformed{400, "malformed_multipart", "multipart/form-data の形式が正しくありません。"};
    if (boundary.empty()) throw malformed;
    std::istringstream in(body);
    try {
        Poco::Net::MultipartReader reader(in, boundary);
        while (reader.hasNextPart()) {
            Poco::Net::MessageHeader header;
            reader.nextPart(header);
            std::string disposition;
            Poco::Net::NameValueCollection dispositionParams;
            Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                                      dispositionParams);
            std::string part;
            Poco::StreamCopier::copyToString(reader.stream(), part);
            if (dispositionParams.has("filename") || dispositionParams.get("name", "") == "workbook") return part;
        }
    } catch (const Poco::Exception&) {
        throw malformed;
    }
    throw HttpError{400, "missing_file", "multipart/form-data にブック(.xlsx)のファイルがありません。"};
}

// Import (issue 17): the fields a workbook holds and every problem, each
// naming its cell, its defined name and the field's label. 200 even with
// problems (the answer is what the workbook says); 422 for a workbook that
// cannot be read or is not this sheet's.
void importSheet(RequestContext& ctx, Services& s) {
    const form::SheetTemplate& sheet = sheetOf(ctx, s);
    const std::string bytes = uploadedWorkbook(ctx, s.settings.maxBodyBytes);
    auto imported = xlsx_import::importWorkbook(sheet, bytes, app::workbookLimits(s.settings));
    if (!imported) return fail(ctx, imported.status());
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("sheet", sheet.id);
    body->set("version", sheet.version);
    body->set("valid", imported->problems.empty());
    body->set("fields", imported->fields);
    Array::Ptr problems = new Array;
    for (const auto& p : imported->problems) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("field", p.field);
        o->set("code", p.code);
        o->set("message", p.message);
        o->set("cell", p.cell);
        o->set("name", p.name);
        o->set("label", p.label);
        problems->add(o);
    }
    body->set("problems", problems);
    sendJson(ctx.response, 200, body);
}

Object::Ptr jobView(const jobs::Job& job, Services& s);

// The metric labels of a submission: a sheet the server knows and a channel
// it offers, else "unknown", so a request cannot add series.
struct SubmissionLabels {
    std::string sheet = "unknown";
    std::string channel = "unknown";

    void from(const Object::Ptr& body, const Services& s) {
        Poco::Dynamic::Var sheetValue = body->get("sheet");
        if (sheetValue.isEmpty()) {
            Array::Ptr docs = body->getArray("documents");
            if (docs && docs->size() > 0 && docs->isObject(0)) sheetValue = docs->getObject(0)->get("sheet");
        }
        if (sheetValue.isString() && s.documents.templates().find(sheetValue.extract<std::string>()))
            sheet = sheetValue.extract<std::string>();
        Object::Ptr delivery = body->getObject("delivery");
        Poco::Dynamic::Var channelValue = delivery ? delivery->get("channel") : Poco::Dynamic::Var();
        if (channelValue.isString() && jobs::parseChannel(channelValue.extract<std::string>()))
            channel = channelValue.extract<std::string>();
    }
    void count(int status) const {
        ops::serviceMetrics().submissions.labels({sheet, channel, std::to_string(status)}).inc();
    }
};

void submitJobCounted(RequestContext& ctx, Services& s, SubmissionLabels& labels) {
    Object::Ptr body = readJsonObject(ctx, s.settings.maxBodyBytes);
    labels.from(body, s);
    std::string key = ctx.request.get("Idempotency-Key", "");
    if (key.size() > 200) throw HttpError{400, "bad_idempotency_key", "Idempotency-Key は200文字以内にしてください。"};
    auto result = s.jobs.submit(body, key, ctx.principal.office, actorOf(ctx));
    if (!result) return fail(ctx, result.status());
    labels.sheet = result->job.sheetId;
    labels.channel = jobs::channelName(result->job.channel);
    ctx.response.set("Location", "/api/v1/jobs/" + result->job.id);
    sendJson(ctx.response, result->replayed ? 200 : 201, jobView(result->job, s));
}

// Counts every answer, including those the wrapper sends for what is thrown.
void submitJob(RequestContext& ctx, Services& s) {
    SubmissionLabels labels;
    try {
        submitJobCounted(ctx, s, labels);
    } catch (const HttpError& e) {
        labels.count(e.status);
        throw;
    } catch (const FieldErrors&) {
        labels.count(422);
        throw;
    } catch (const StatusError& e) {
        labels.count(httpStatusOf(e.status));
        throw;
    } catch (...) {
        labels.count(500);
        throw;
    }
    labels.count(static_cast<int>(ctx.response.getStatus()));
}

// An office sees only its own jobs; another office's job answers 404 as if
// it did not exist, so ids cannot be probed.
jobs::Job jobOf(RequestContext& ctx, Services& s) {
    auto job = s.queries.get(ctx.params["id"]);
    if (job && ctx.principal.role != auth::Role::Admin && job->office != ctx.principal.office)
        throw HttpError{404, "unknown_job", "ジョブが見つかりません。"};
    if (!job) {
        if (job.status().code() == common::Status::Code::NotFound)
            throw HttpError{404, "unknown_job", "ジョブが見つかりません。"};
        throw StatusError{job.status()};
    }
    return job.value();
}

// The job's history as the evidence reads it (its events).
app::JobHistory historyOf(const jobs::Job& job, Services& s) {
    auto events = s.queries.events(job.id);
    if (!events) throw StatusError{events.status()};
    return app::historyOf(job, events.value());
}

// The job with its billing evidence, every receipt confirmation ("receipt":
// the first, as before they were kept apart), its delivered records and the
// replies received for it.
Object::Ptr jobView(const jobs::Job& job, Services& s) {
    Object::Ptr o = jobToJson(job);
    const app::JobHistory history = historyOf(job, s);
    Array::Ptr receipts = new Array;
    for (const auto& r : history.receipts) receipts->add(r.toJson());
    o->set("receipts", receipts);
    if (!history.receipts.empty()) o->set("receipt", history.receipts.front().toJson());
    Array::Ptr delivered = new Array;
    for (const auto& d : history.delivered) delivered->add(d.toJson());
    o->set("delivered", delivered);
    o->set("evidence", app::evidenceOf(job, history, s.documents.templates(), calendarOf(s, job.office)));
    auto replies = s.queries.replies(job.id);
    if (!replies) throw StatusError{replies.status()};
    o->set("replies", repliesToJson(job.id, replies.value()));
    return o;
}

// GET /api/v1/jobs/{id}/replies/{reply}: the received pages, as a PDF.
void getReply(RequestContext& ctx, Services& s) {
    jobs::Job job = jobOf(ctx, s);
    const std::string& text = ctx.params["reply"];
    long long replyId = 0;
    if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos ||
        (replyId = std::stoll(text)) < 1)
        throw HttpError{404, "unknown_reply", "返信が見つかりません。"};
    auto reply = s.queries.reply(job.id, replyId);
    if (!reply) {
        if (reply.status().code() == common::Status::Code::NotFound)
            throw HttpError{404, "unknown_reply", "返信が見つかりません。"};
        throw StatusError{reply.status()};
    }
    sendBytes(ctx.response, 200, kPdfType, reply->pdf, job.id + "-reply-" + text + ".pdf",
              "返信_" + job.id.substr(0, 8) + "_" + text + ".pdf");
}

void getJob(RequestContext& ctx, Services& s) { sendJson(ctx.response, 200, jobView(jobOf(ctx, s), s)); }

// The month's items: every job whose evidence falls in the month (see
// app/evidence_report.h), read from the jobs created in the month's window.
void getEvidence(RequestContext& ctx, Services& s) {
    std::string month = ctx.query("month");
    auto first = form::parseIsoDate(month + "-01");
    if (month.size() != 7 || !first || !queryableYear(first->year))
        return fail(ctx, common::Status::invalidArgument(
                             "invalid query", {{"month", "invalid_month", "month は YYYY-MM(1900〜2999年)で指定してください。"}}));
    std::string format = ctx.query("format");
    if (!format.empty() && format != "json" && format != "csv")
        throw HttpError{422, "invalid_format", "format は json または csv を指定してください。"};
    const app::EvidenceWindow window = app::evidenceWindowFor(*first);
    jobs::JobFilter all;
    all.fromUs = window.fromUs;
    all.toUs = window.monthEndUs;
    all.limit = jobs::kMaxListLimit;
    if (ctx.principal.role != auth::Role::Admin) all.office = ctx.principal.office;
    jobs::JobFilter discharge = all;
    discharge.sheetId = app::kDischargeSheetId;
    discharge.fromUs = window.monthEndUs;
    discharge.toUs = window.toUs;
    Array::Ptr rows = new Array;
    std::set<std::string> seen;  // a job created meanwhile shifts the pages
    for (jobs::JobFilter filter : {all, discharge}) {
        for (;; filter.offset += filter.limit) {
            auto page = s.queries.list(filter);
            if (!page) return fail(ctx, page.status());
            for (const auto& job : page.value()) {
                if (!seen.insert(job.id).second) continue;
                Object::Ptr evidence = app::evidenceOf(job, historyOf(job, s), s.documents.templates(), calendarOf(s, job.office));
                if (evidence->optValue<std::string>("month", "") != month) continue;
                Object::Ptr row = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
                row->set("id", job.id);
                row->set("sheet", job.sheetId);
                const form::SheetTemplate* sheet = s.documents.templates().find(job.sheetId);
                row->set("sheetTitle", sheet ? sheet->title : job.sheetId);
                if (job.patientRef) row->set("patientRef", *job.patientRef);
                row->set("destination", job.destination);
                row->set("recipient", evidence->optValue<std::string>("recipient", ""));
                row->set("state", jobs::stateName(job.state));
                row->set("stateLabel", app::jobStateLabel(job));
                row->set("createdAt", job.createdAt);
                row->set("evidence", evidence);
                rows->add(row);
            }
            if (static_cast<int>(page->size()) < filter.limit) break;
        }
    }
    if (format == "csv") {
        sendBytes(ctx.response, 200, "text/csv; charset=utf-8", app::evidenceCsv(rows), "evidence-" + month + ".csv",
                  "加算根拠_" + month + ".csv");
        return;
    }
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("month", month);
    Object::Ptr searched = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    searched->set("createdFrom", common::isoJst(Poco::Timestamp(window.fromUs)));
    searched->set("createdBefore", common::isoJst(Poco::Timestamp(window.monthEndUs)));
    searched->set("dischargeCreatedBefore", common::isoJst(Poco::Timestamp(window.toUs)));
    body->set("searched", searched);
    body->set("jobs", rows);
    sendJson(ctx.response, 200, body);
}

void getDocument(RequestContext& ctx, Services& s) {
    jobs::Job job = jobOf(ctx, s);
    std::string format = ctx.query("format");
    if (format.empty()) format = "pdf";
    if (format != "pdf" && format != "xlsx" && format != "fax_pdf")
        throw HttpError{422, "invalid_format", "format は pdf, xlsx, fax_pdf のいずれかを指定してください。"};
    auto doc = s.jobs.document(job, format, actorOf(ctx));
    if (!doc) return fail(ctx, doc.status());
    const bool xlsx = format == "xlsx";
    const form::SheetTemplate* sheet = s.documents.templates().find(job.sheetId);
    std::string title = (sheet ? sheet->title : job.sheetId) + (format == "fax_pdf" ? "_FAX" : "");
    const std::string ext = xlsx ? ".xlsx" : ".pdf";
    sendBytes(ctx.response, 200, xlsx ? kXlsxType : kPdfType, doc.value(), job.id + ext,
              title + "_" + job.id.substr(0, 8) + ext);
}

void cancelJob(RequestContext& ctx, Services& s) {
    jobOf(ctx, s);
    common::Status cancelled = s.jobs.cancel(ctx.params["id"], actorOf(ctx));
    if (!cancelled) return fail(ctx, cancelled);
    sendJson(ctx.response, 200, jobView(jobOf(ctx, s), s));
}

void retryJob(RequestContext& ctx, Services& s) {
    jobOf(ctx, s);
    common::Status retried = s.jobs.retry(ctx.params["id"], actorOf(ctx));
    // An I/O error or a full disk after the job was moved to its new attempt
    // still accepts the retry: the dispatcher sends it out once it can.
    const bool sendingFailed = retried.code() == common::Status::Code::IOError ||
                               retried.code() == common::Status::Code::StorageFull;
    if (!retried && (!sendingFailed || jobOf(ctx, s).state == jobs::JobState::Failed)) return fail(ctx, retried);
    sendJson(ctx.response, 202, jobView(jobOf(ctx, s), s));
}

void confirmReceipt(RequestContext& ctx, Services& s) {
    jobOf(ctx, s);
    Object::Ptr body = readJsonObject(ctx, s.settings.maxBodyBytes);
    common::Status recorded = s.jobs.confirmReceipt(ctx.params["id"], body, actorOf(ctx));
    if (!recorded) return fail(ctx, recorded);
    sendJson(ctx.response, 200, jobView(jobOf(ctx, s), s));
}

// A printed sheet handed over or mailed: the evidence that it reached the
// recipient (see JobService::recordDelivered). 409 with the refusal's code.
void recordDelivered(RequestContext& ctx, Services& s) {
    jobOf(ctx, s);
    Object::Ptr body = readJsonObject(ctx, s.settings.maxBodyBytes);
    app::JobService::Recorded recorded = s.jobs.recordDelivered(ctx.params["id"], body, actorOf(ctx));
    if (!recorded.status) return sendStatus(ctx.response, recorded.status, ctx.requestId, recorded.refusalCode);
    ctx.response.set("Location", "/api/v1/jobs/" + ctx.params["id"]);
    sendJson(ctx.response, 201, jobView(jobOf(ctx, s), s));
}

void listPartners(RequestContext& ctx, Services& s) {
    std::string kind = ctx.query("kind");
    if (!kind.empty() && kind != "hospital" && kind != "clinic" && kind != "care_office")
        throw HttpError{422, "invalid_kind", "kind は hospital, clinic, care_office のいずれかです。"};
    Array::Ptr list = new Array;
    for (const auto* p : s.partners.current()->search(ctx.query("q"), kind)) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("id", p->id);
        o->set("kind", p->kind);
        o->set("name", p->name);
        o->set("department", p->department);
        o->set("person", p->person);
        o->set("phone", p->phone);
        o->set("fax", p->fax);
        o->set("mask", partners::maskName(p->mask).empty() ? "default" : partners::maskName(p->mask));
        list->add(o);
    }
    Object::Ptr body = new Object;
    body->set("partners", list);
    sendJson(ctx.response, 200, body);
}

void getEvents(RequestContext& ctx, Services& s) {
    jobs::Job job = jobOf(ctx, s);
    auto events = s.queries.events(job.id);
    if (!events) return fail(ctx, events.status());
    Array::Ptr list = new Array;
    for (const auto& e : events.value()) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("seq", e.seq);
        o->set("kind", e.kind);
        o->set("at", e.at);
        o->set("actor", e.actor);
        try {
            Poco::JSON::Parser parser;
            o->set("detail", parser.parse(e.detailJson));
        } catch (const Poco::Exception&) {
            o->set("detail", e.detailJson);
        }
        list->add(o);
    }
    Object::Ptr body = new Object;
    body->set("events", list);
    sendJson(ctx.response, 200, body);
}

void listJobs(RequestContext& ctx, Services& s) {
    jobs::JobFilter filter;
    std::vector<common::FieldError> errors;
    auto text = [&](const char* name, std::optional<std::string>& out) {
        std::string v = ctx.query(name);
        if (!v.empty()) out = v;
    };
    text("sheet", filter.sheetId);
    text("state", filter.state);
    text("destination", filter.destination);
    text("patient_ref", filter.patientRef);
    auto number = [&](const char* name, int min, int max, int& out) {
        std::string v = ctx.query(name);
        if (v.empty()) return;
        try {
            size_t used = 0;
            int n = std::stoi(v, &used);
            if (used != v.size() || n < min || n > max) throw std::out_of_range(name);
            out = n;
        } catch (const std::exception&) {
            errors.push_back({name, "out_of_range", std::string(name) + " は" + std::to_string(min) + "〜" +
                                                       std::to_string(max) + "の整数で指定してください。"});
        }
    };
    number("limit", 1, jobs::kMaxListLimit, filter.limit);
    number("offset", 0, 1000000000, filter.offset);
    filter.fromUs = queryTimeUs(ctx, "from", errors);
    filter.toUs = queryTimeUs(ctx, "to", errors);
    if (filter.state && !jobs::parseState(*filter.state))
        errors.push_back({"state", "invalid_option", "state の値が正しくありません。"});
    if (!errors.empty()) return fail(ctx, common::Status::invalidArgument("invalid query", errors));
    if (ctx.principal.role != auth::Role::Admin) filter.office = ctx.principal.office;
    auto found = s.queries.list(filter);
    if (!found) return fail(ctx, found.status());
    auto total = s.queries.count(filter);
    // The page is answered without its total (0) rather than not at all.
    if (!total)
        Poco::Logger::get("renkei.http").warning("request %s: jobs not counted: %s", ctx.requestId,
                                                 total.status().toString());
    Array::Ptr list = new Array;
    for (const auto& j : found.value()) list->add(jobView(j, s));
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("jobs", list);
    body->set("total", total ? total.value() : 0LL);
    body->set("limit", filter.limit);
    body->set("offset", filter.offset);
    sendJson(ctx.response, 200, body);
}

void listAudit(RequestContext& ctx, Services& s) {
    jobs::AuditFilter filter;
    std::vector<common::FieldError> errors;
    if (!ctx.query("office").empty()) filter.office = ctx.query("office");
    if (!ctx.query("job").empty()) filter.jobId = ctx.query("job");
    filter.fromUs = queryTimeUs(ctx, "from", errors);
    filter.toUs = queryTimeUs(ctx, "to", errors);
    std::string limit = ctx.query("limit");
    if (!limit.empty()) {
        try {
            filter.limit = std::stoi(limit);
        } catch (const std::exception&) {
            filter.limit = 0;
        }
        if (filter.limit < 1 || filter.limit > jobs::kMaxListLimit)
            errors.push_back({"limit", "out_of_range", "limit は1〜500で指定してください。"});
    }
    if (!errors.empty()) return fail(ctx, common::Status::invalidArgument("invalid query", errors));
    auto entries = s.audit.find(filter);
    if (!entries) return fail(ctx, entries.status());
    Array::Ptr list = new Array;
    for (const auto& e : entries.value()) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("seq", e.seq);
        o->set("at", e.at);
        o->set("office", e.office);
        o->set("role", e.role);
        if (!e.tokenName.empty()) o->set("token", e.tokenName);
        o->set("method", e.method);
        o->set("route", e.route);
        if (!e.jobId.empty()) o->set("jobId", e.jobId);
        o->set("client", e.client);
        o->set("status", e.status);
        o->set("count", e.count);
        list->add(o);
    }
    Object::Ptr body = new Object;
    body->set("entries", list);
    sendJson(ctx.response, 200, body);
}

// Runs a handler, turning an HttpError into its problem document.
Handler wrap(Services& s, void (*fn)(RequestContext&, Services&)) {
    return [&s, fn](RequestContext& ctx) {
        try {
            fn(ctx, s);
        } catch (const FieldErrors& e) {
            sendStatus(ctx.response, common::Status::invalidArgument("invalid input", e.errors), ctx.requestId);
        } catch (const StatusError& e) {
            sendStatus(ctx.response, e.status, ctx.requestId);
        } catch (const HttpError& e) {
            // After a body that was cut off or refused for its size, the
            // stream position is unknown: close rather than read on.
            if (e.status == 408 || e.status == 413) ctx.response.setKeepAlive(false);
            sendProblem(ctx.response, e.status, e.code, e.title, ctx.requestId);
        }
    };
}

}  // namespace

Object::Ptr readJsonOrAnswer(RequestContext& ctx, long long limit) {
    try {
        return readJsonObject(ctx, limit);
    } catch (const FieldErrors& e) {
        sendStatus(ctx.response, common::Status::invalidArgument("invalid input", e.errors), ctx.requestId);
    } catch (const HttpError& e) {
        if (e.status == 408 || e.status == 413) ctx.response.setKeepAlive(false);
        sendProblem(ctx.response, e.status, e.code, e.title, ctx.requestId);
    }
    return nullptr;
}

void registerRoutes(Router& router, Services& s) {
    router.add("GET", "/healthz", [](RequestContext& ctx) {
        Object::Ptr body = new Object;
        body->set("status", "ok");
        sendJson(ctx.response, 200, body);
    });
    router.add("GET", "/api/v1/sheets", wrap(s, listSheets));
    router.add("GET", "/api/v1/sheets/{sheet}", wrap(s, getSheet));
    router.add("POST", "/api/v1/sheets/{sheet}/render", wrap(s, renderSheet));
    router.add("GET", "/api/v1/sheets/{sheet}/workbook", wrap(s, getWorkbook));
    router.add("POST", "/api/v1/sheets/{sheet}/import", wrap(s, importSheet));
    router.add("POST", "/api/v1/jobs", wrap(s, submitJob));
    router.add("GET", "/api/v1/jobs", wrap(s, listJobs));
    router.add("GET", "/api/v1/jobs/{id}", wrap(s, getJob));
    router.add("GET", "/api/v1/jobs/{id}/document", wrap(s, getDocument));
    router.add("GET", "/api/v1/jobs/{id}/events", wrap(s, getEvents));
    router.add("GET", "/api/v1/jobs/{id}/replies/{reply}", wrap(s, getReply));
    router.add("DELETE", "/api/v1/jobs/{id}", wrap(s, cancelJob));
    router.add("POST", "/api/v1/jobs/{id}/retry", wrap(s, retryJob));
    router.add("POST", "/api/v1/jobs/{id}/receipt", wrap(s, confirmReceipt));
    router.add("POST", "/api/v1/jobs/{id}/delivered", wrap(s, recordDelivered));
    router.add("GET", "/api/v1/partners", wrap(s, listPartners));
    router.add("GET", "/api/v1/evidence", wrap(s, getEvidence));
    router.add("GET", "/api/v1/audit", wrap(s, listAudit), true);
}

}  // namespace http
