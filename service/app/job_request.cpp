#include "app/job_request.h"

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "app/job_records.h"
#include "common/characters.h"
#include "common/utf8.h"
#include "render/pdf_inspect.h"

namespace app {
namespace {

using common::FieldError;
using common::Status;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string shown(const std::string& key) { return common::decodeUtf8(key) ? key : "?"; }

void unknownKeys(const Object::Ptr& o, const std::set<std::string>& known, const std::string& prefix,
                 std::vector<FieldError>& errors) {
    for (const auto& [key, value] : *o)
        if (!known.count(key))
            errors.push_back({prefix + shown(key), "unknown_field", "「" + shown(key) + "」は指定できない項目です。"});
}

std::string optionalString(const Object::Ptr& o, const std::string& key, const std::string& path, int maxChars,
                           std::vector<FieldError>& errors) {
    if (!o->has(key)) return "";
    Poco::Dynamic::Var v = o->get(key);
    long long len = v.isString() ? common::utf8Length(v.extract<std::string>()) : -1;
    if (len < 1 || len > maxChars) {
        errors.push_back({path, "wrong_type", path + " は" + std::to_string(maxChars) + "文字以内の文字列で指定してください。"});
        return "";
    }
    // Kept on the job and shown in lists and CSV exports: one line of text
    // holding nothing a sheet's fields would refuse (see the validator).
    std::u32string cps = common::decodeUtf8(v.extract<std::string>()).value();
    auto bad = std::find_if(cps.begin(), cps.end(),
                            [](char32_t c) { return common::isForbiddenCharacter(c) || c == U'\r' || c == U'\n'; });
    if (bad != cps.end()) {
        errors.push_back({path, "invalid_characters",
                          path + " に使用できない文字(" + common::codePointName(*bad) + ")が含まれています。"});
        return "";
    }
    return v.extract<std::string>();
}

// A template id's form (templates/<id>/): lowercase letters, digits and
// hyphens, at most 64; anything else is a bad field, not an unknown sheet.
bool isSheetId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

// The cover options a caller may set (the cover template's requestOptions):
// each a string, checked by the cover sheet's own rules (options, dates,
// lengths) so that a bad one is a field error now rather than a job that
// fails to render.
void checkCover(const JobRequest& out, const DocumentService& documents, std::vector<FieldError>& errors) {
    bool typed = true;
    for (const auto& key : out.coverSheet->cover->requestOptions) {
        if (!out.cover->has(key) || out.cover->get(key).isString()) continue;
        errors.push_back({"cover." + key, "wrong_type", "cover." + key + " は文字列で指定してください。"});
        typed = false;
    }
    if (!typed || out.documents.empty()) return;
    auto checked = documents.validate(out.coverSheet->id, coverFields(out, "2000-01-01T00:00:00+09:00", 1), "cover");
    if (checked) return;
    for (const auto& e : checked.status().fieldErrors())
        for (const auto& key : out.coverSheet->cover->requestOptions)
            if (e.field == "cover." + key) errors.push_back(e);
}

void parseDocuments(const Object::Ptr& body, const DocumentService& documents, const JobLimits& limits,
                    JobRequest& out, std::vector<FieldError>& errors, Status& notFound) {
    auto addDocument = [&](const std::string& sheetId, const Object::Ptr& fields, const std::string& prefix) {
        JobDocument doc;
        if (!isSheetId(sheetId)) {
            errors.push_back({prefix + "sheet", "invalid_sheet", "帳票の種類(sheet)は帳票ID(英小文字・数字・ハイフン、64文字以内)で指定してください。"});
            return;
        }
        doc.sheet = documents.templates().find(sheetId);
        if (!doc.sheet) {
            notFound = Status::notFound("帳票「" + sheetId + "」はありません。");
            return;
        }
        if (!fields) {
            errors.push_back({prefix + "fields", "required", "記入内容(fields)をオブジェクトで指定してください。"});
            return;
        }
        doc.fields = fields;
        auto data = documents.validate(sheetId, fields, prefix + "fields");
        if (!data) {
            for (const auto& e : data.status().fieldErrors()) errors.push_back(e);
            return;
        }
        doc.data = std::move(data.value());
        out.documents.push_back(std::move(doc));
    };
    const bool single = body->has("sheet") || body->has("fields");
    if (single && body->has("documents")) {
        errors.push_back({"documents", "conflict", "sheet/fields と documents は同時に指定できません。"});
        return;
    }
    if (single) {
        if (!body->has("sheet") || !body->get("sheet").isString()) {
            errors.push_back({"sheet", "required", "帳票の種類(sheet)を文字列で指定してください。"});
            return;
        }
        addDocument(body->getValue<std::string>("sheet"), body->getObject("fields"), "");
        return;
    }
    if (body->has("documents") && !body->getArray("documents")) {
        errors.push_back({"documents", "wrong_type", "documents は帳票({\"sheet\", \"fields\"})の配列で指定してください。"});
        return;
    }
    Array::Ptr list = body->getArray("documents");
    if (!list || list->size() == 0) {
        errors.push_back({"sheet", "required", "帳票(sheet と fields、または documents)を指定してください。"});
        return;
    }
    if (static_cast<int>(list->size()) > limits.maxDocuments) {
        errors.push_back({"documents", "too_many", "帳票は1ジョブ" + std::to_string(limits.maxDocuments) + "件までです。"});
        return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string prefix = "documents[" + std::to_string(i) + "].";
        Object::Ptr d = list->getObject(i);
        if (!d) {
            errors.push_back({"documents[" + std::to_string(i) + "]", "wrong_type",
                              "帳票は {\"sheet\", \"fields\"} のオブジェクトで指定してください。"});
            continue;
        }
        if (!d->has("sheet") || !d->get("sheet").isString()) {
            errors.push_back({prefix + "sheet", "required", "帳票の種類(sheet)を文字列で指定してください。"});
            continue;
        }
        unknownKeys(d, {"sheet", "fields"}, prefix, errors);
        addDocument(d->getValue<std::string>("sheet"), d->getObject("fields"), prefix);
    }
}

void parseDelivery(const Object::Ptr& body, const partners::PartnerDirectory& directory, const JobLimits& limits,
                   JobRequest& out, std::vector<FieldError>& errors) {
    Object::Ptr delivery = body->getObject("delivery");
    if (!delivery) {
        errors.push_back({"delivery", "required", "送付方法(delivery)をオブジェクトで指定してください。"});
        return;
    }
    const std::optional<jobs::Channel> channel =
        delivery->has("channel") && delivery->get("channel").isString()
            ? jobs::parseChannel(delivery->getValue<std::string>("channel"))
            : std::nullopt;
    if (!channel) {
        errors.push_back({"delivery.channel", "invalid_option", "送付方法(channel)は print または fax を指定してください。"});
        return;
    }
    out.channel = *channel;
    if (out.channel == jobs::Channel::Print) {
        unknownKeys(delivery, {"channel"}, "delivery.", errors);
        return;
    }
    unknownKeys(delivery, {"channel", "partner", "number"}, "delivery.", errors);
    const std::string partnerId = optionalString(delivery, "partner", "delivery.partner", 64, errors);
    const std::string number = optionalString(delivery, "number", "delivery.number", 30, errors);
    if (!partnerId.empty() && !number.empty()) {
        errors.push_back({"delivery.number", "conflict", "FAXの宛先は partner か number のどちらか一方を指定してください。"});
        return;
    }
    if (!partnerId.empty()) {
        const partners::Partner* partner = directory.find(partnerId);
        if (!partner) {
            errors.push_back({"delivery.partner", "unknown_partner", "宛先「" + shown(partnerId) + "」は連携先一覧にありません。"});
            return;
        }
        if (partner->fax.empty()) {
            errors.push_back({"delivery.partner", "no_fax_number", "宛先「" + partner->name + "」にはFAX番号が登録されていません。"});
            return;
        }
        out.partnerId = partner->id;
        out.recipient = *partner;
        out.faxDigits = *partners::normalizeFaxNumber(partner->fax);
        out.verifiedNumber = true;
        out.mask = partner->mask == partners::MaskMode::Default ? limits.defaultMask : partner->mask;
        return;
    }
    if (number.empty()) {
        errors.push_back({"delivery.partner", "required", "FAXの宛先(partner)を連携先一覧のIDで指定してください。"});
        return;
    }
    if (!limits.allowAdHocFaxNumbers) {
        errors.push_back({"delivery.number", "ad_hoc_number_not_allowed",
                          "一覧にないFAX番号への送信は設定で許可されていません。連携先一覧のID(partner)を指定してください。"});
        return;
    }
    auto digits = partners::normalizeFaxNumber(number);
    if (!digits) {
        errors.push_back({"delivery.number", "invalid_fax_number", "FAX番号は市外局番から始まる10桁の番号で指定してください。"});
        return;
    }
    out.faxDigits = *digits;
    out.recipient.fax = number;
    out.verifiedNumber = false;
    out.mask = limits.defaultMask == partners::MaskMode::Default ? partners::MaskMode::Initials : limits.defaultMask;
}

void parseAttachments(const Object::Ptr& body, const JobLimits& limits, JobRequest& out,
                      std::vector<FieldError>& errors) {
    if (!body->has("attachments")) return;
    Array::Ptr list = body->getArray("attachments");
    if (!list) {
        errors.push_back({"attachments", "wrong_type", "添付(attachments)は配列で指定してください。"});
        return;
    }
    if (static_cast<int>(list->size()) > limits.maxAttachments) {
        errors.push_back({"attachments", "too_many", "添付は1ジョブ" + std::to_string(limits.maxAttachments) + "件までです。"});
        return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = "attachments[" + std::to_string(i) + "]";
        Object::Ptr a = list->getObject(i);
        if (!a) {
            errors.push_back({path, "wrong_type", "添付は {\"name\", \"contentBase64\"} で指定してください。"});
            continue;
        }
        unknownKeys(a, {"name", "contentBase64"}, path + ".", errors);
        JobAttachment att;
        att.name = optionalString(a, "name", path + ".name", 100, errors);
        std::string encoded = a->has("contentBase64") && a->get("contentBase64").isString()
                                  ? a->getValue<std::string>("contentBase64")
                                  : "";
        try {
            std::istringstream in(encoded);
            Poco::Base64Decoder decoder(in);
            std::ostringstream bytes;
            bytes << decoder.rdbuf();
            att.bytes = bytes.str();
        } catch (const Poco::Exception&) {
            att.bytes.clear();
        }
        auto pages = att.bytes.empty() ? common::Result<int>(Status::invalidArgument("empty"))
                                       : render::inspectAttachment(att.name, att.bytes, limits.maxPages);
        if (!pages || pages.value() < 1) {
            FieldError problem{path + ".contentBase64", "invalid_pdf", "添付は読み取れるPDF(Base64)で指定してください。"};
            if (!pages && !pages.status().fieldErrors().empty()) {  // the check's own code and message
                problem.code = pages.status().fieldErrors().front().code;
                problem.message = pages.status().fieldErrors().front().message;
            }
            errors.push_back(problem);
            continue;
        }
        att.pages = pages.value();
        out.attachments.push_back(std::move(att));
    }
}

}  // namespace

std::string JobRequest::identityJson() const {
    Object::Ptr identity = new Object;
    Array::Ptr docs = new Array;
    for (const auto& d : documents) {
        Object::Ptr o = new Object;
        o->set("sheet", d.sheet->id);
        o->set("fields", d.fields);
        docs->add(o);
    }
    identity->set("documents", docs);
    identity->set("channel", jobs::channelName(channel));
    identity->set("destination", destination());
    identity->set("attachments", static_cast<int>(attachments.size()));
    return stringify(identity);
}

std::string JobRequest::destination() const {
    if (channel != jobs::Channel::Fax) return jobs::channelName(channel);
    return partnerId.empty() ? faxDigits : partnerId;
}

common::Result<JobRequest> parseJobRequest(const Object::Ptr& body, const DocumentService& documents,
                                           const partners::PartnerDirectory& directory, const JobLimits& limits) {
    std::vector<FieldError> errors;
    Status notFound;
    JobRequest out;
    unknownKeys(body,
                {"sheet", "fields", "documents", "attachments", "delivery", "cover", "patient_ref", "allow_duplicate"},
                "", errors);
    parseDocuments(body, documents, limits, out, errors, notFound);
    if (!notFound.isOk()) return notFound;
    parseDelivery(body, directory, limits, out, errors);
    parseAttachments(body, limits, out, errors);
    out.patientRef = optionalString(body, "patient_ref", "patient_ref", 40, errors);
    if (body->has("allow_duplicate")) {
        if (!body->get("allow_duplicate").isBoolean())
            errors.push_back({"allow_duplicate", "wrong_type", "allow_duplicate は true または false で指定してください。"});
        else
            out.allowDuplicate = body->getValue<bool>("allow_duplicate");
    }
    out.coverSheet = documents.templates().cover();
    if (body->has("cover")) {
        out.cover = body->getObject("cover");
        if (!out.cover) {
            errors.push_back({"cover", "wrong_type", "送付状の指定(cover)はオブジェクトで指定してください。"});
        } else if (out.channel != jobs::Channel::Fax) {
            errors.push_back({"cover", "not_applicable", "送付状(cover)はFAX送信のときだけ指定できます。"});
        } else {
            const std::vector<std::string> options =
                out.coverSheet ? out.coverSheet->cover->requestOptions : std::vector<std::string>{};
            unknownKeys(out.cover, {options.begin(), options.end()}, "cover.", errors);
            if (out.coverSheet) checkCover(out, documents, errors);
        }
    }
    int pages = 0;
    for (const auto& a : out.attachments) pages += a.pages;
    if (pages > limits.maxPages)
        errors.push_back({"attachments", "too_many_pages", "添付のページ数が上限(" + std::to_string(limits.maxPages) + "枚)を超えています。"});
    if (!errors.empty()) return Status::invalidArgument("invalid request", errors);
    return out;
}

layout::MaskMode layoutMask(partners::MaskMode mode) {
    switch (mode) {
    case partners::MaskMode::Initials: return layout::MaskMode::Initials;
    case partners::MaskMode::Partial: return layout::MaskMode::Partial;
    default: return layout::MaskMode::None;
    }
}

Object::Ptr coverFields(const JobRequest& request, const std::string& sentAtIso, int totalPages) {
    Object::Ptr f = new Object;
    if (!request.coverSheet || request.documents.empty()) return f;
    const form::CoverSpec& spec = *request.coverSheet->cover;
    auto copy = [&](const std::string& key, const std::string& value) {
        if (!value.empty()) f->set(key, value);
    };
    const form::FormData& first = request.documents.front().data;
    copy("sent_at", sentAtIso);
    if (!request.partnerId.empty()) {
        copy("recipient_institution", request.recipient.name);
        copy("recipient_department", request.recipient.department);
        copy("recipient_person", request.recipient.person);
    } else {
        for (const auto& key : spec.recipientFromDocument) copy(key, first.text(key));
    }
    if (!f->has("recipient_institution")) f->set("recipient_institution", std::string("(連携先一覧に未登録の宛先)"));
    copy("recipient_fax", request.recipient.fax);
    copy("recipient_phone", request.recipient.phone);
    for (const auto& key : spec.fromDocument) copy(key, first.text(key));
    // Each sheet as its "faxCover" lists it; attachments and sheets listed
    // by name under the cover's "other" option, named in its note.
    Array::Ptr docs = new Array;
    std::set<std::string> listed;
    std::vector<std::string> notes;
    auto list = [&](const std::string& value, const std::string& note) {
        if (listed.insert(value).second) docs->add(value);
        if (!note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    };
    for (const auto& d : request.documents)
        if (d.sheet->faxCover) list(d.sheet->faxCover->document, d.sheet->faxCover->note);
        else list(spec.otherDocument, "");  // the cover sheet itself
    if (!request.attachments.empty())
        list(spec.otherDocument, "添付資料 " + std::to_string(request.attachments.size()) + "件");
    f->set(form::kCoverDocumentsKey, docs);
    std::string note;
    for (const auto& n : notes) note += (note.empty() ? "" : "、") + n;
    // The loader made sure the cover has this option, with a note.
    const form::OptionSpec* other = request.coverSheet->field(form::kCoverDocumentsKey)->option(spec.otherDocument);
    if (other) copy(other->noteKey, note);
    f->set("total_pages", totalPages);
    for (const auto& [key, value] : spec.defaults) f->set(key, value);
    if (request.cover)
        for (const auto& key : spec.requestOptions)
            if (request.cover->has(key)) f->set(key, request.cover->get(key));
    // Never the name: the caller's reference, or the first sheet's label (initials).
    const Poco::Dynamic::Var given = f->has(spec.patientLabelField) ? f->get(spec.patientLabelField) : Poco::Dynamic::Var();
    if (!spec.patientLabelField.empty() && (given.isEmpty() || (given.isString() && given.extract<std::string>().empty())))
        copy(spec.patientLabelField, first.text(spec.patientLabelFrom));
    return f;
}

}  // namespace app
