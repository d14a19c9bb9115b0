#include "app/delivery_records.h"

#include <map>

#include "app/job_records.h"
#include "common/characters.h"
#include "common/clock.h"
#include "common/utf8.h"

namespace app {
namespace {

using common::FieldError;
using common::Status;
using Poco::JSON::Object;

constexpr long long kMinuteUs = 60LL * 1000000;

// The delivered record's methods and their SendMethod.
const std::map<std::string, evidence::SendMethod>& deliveredMethods() {
    static const std::map<std::string, evidence::SendMethod> kMethods = {
        {"in_person", evidence::SendMethod::InPerson},
        {"mail", evidence::SendMethod::Mail},
        {"fax", evidence::SendMethod::Fax},
        {"email", evidence::SendMethod::Email},
        {"other", evidence::SendMethod::Other}};
    return kMethods;
}

// A text member: a string of 1..maxLength code points (0.. when optional)
// with no control or other forbidden character. Adds an error otherwise.
std::optional<std::string> textMember(const Object::Ptr& body, const std::string& key, long long maxLength,
                                      bool required, const std::string& what, std::vector<FieldError>& errors) {
    if (!body->has(key)) {
        if (required) errors.push_back({key, "required", what + "(" + key + ")を指定してください。"});
        return std::nullopt;
    }
    const Poco::Dynamic::Var v = body->get(key);
    if (!v.isString()) {
        errors.push_back({key, "wrong_type", what + "(" + key + ")は文字列で指定してください。"});
        return std::nullopt;
    }
    const std::string s = v.extract<std::string>();
    auto cps = common::decodeUtf8(s);
    bool blank = true, forbidden = !cps;
    if (cps)
        for (char32_t cp : *cps) {
            if (cp != U' ' && cp != U'\u3000' && cp != U'\t') blank = false;
            if (common::isForbiddenCharacter(cp) || cp == U'\n' || cp == U'\r' || cp == U'\t') forbidden = true;
        }
    if (forbidden) {
        errors.push_back({key, "invalid_characters", what + "(" + key + ")に使えない文字(改行・制御文字など)が含まれています。"});
        return std::nullopt;
    }
    if (required && blank) {
        errors.push_back({key, "required", what + "(" + key + ")を指定してください。"});
        return std::nullopt;
    }
    if (static_cast<long long>(cps->size()) > maxLength) {
        errors.push_back({key, "too_long", what + "(" + key + ")は" + std::to_string(maxLength) + "文字以内で指定してください。"});
        return std::nullopt;
    }
    return s;
}

std::string text(const Object::Ptr& o, const std::string& key) {
    return o && o->has(key) && o->get(key).isString() ? o->getValue<std::string>(key) : "";
}

std::optional<ReceiptRecord> receiptOf(const Object::Ptr& o) {
    ReceiptRecord r;
    r.at = text(o, "at");
    auto at = form::parseIsoDateTimeJst(r.at);
    if (!at) return std::nullopt;
    r.atJst = *at;
    r.person = text(o, "person");
    r.methodKey = text(o, "method");
    if (r.methodKey.empty()) r.methodKey = "phone";
    return r;
}

}  // namespace

long long epochUsOf(const form::DateTime& jst) { return form::jstEpochMicroseconds(jst.date, jst.time); }

Object::Ptr DeliveredRecord::toJson() const {
    static const std::map<std::string, std::string> kLabels = {
        {"in_person", "手渡し"}, {"mail", "郵送"}, {"fax", "FAX"}, {"email", "電子メール"}, {"other", "その他"}};
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("at", at);
    o->set("method", methodKey);
    auto label = kLabels.find(methodKey);
    o->set("methodLabel", label == kLabels.end() ? methodKey : label->second);
    o->set("person", person);
    if (!note.empty()) o->set("note", note);
    o->set("recordedBy", actor);
    o->set("recordedAt", recordedAt);
    return o;
}

Object::Ptr ReceiptRecord::toJson() const {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("at", at);
    o->set("person", person);
    o->set("method", methodKey);
    static const std::map<std::string, std::string> kLabels = {{"phone", "電話"},      {"fax", "FAX"},
                                                               {"email", "電子メール"}, {"in_person", "面談"},
                                                               {"video", "テレビ電話等"}, {"other", "その他"}};
    auto label = kLabels.find(methodKey);
    o->set("methodLabel", label == kLabels.end() ? methodKey : label->second);
    if (!actor.empty()) o->set("recordedBy", actor);
    if (!recordedAt.empty()) o->set("recordedAt", recordedAt);
    return o;
}

JobHistory historyOf(const jobs::Job& job, const std::vector<jobs::Event>& events) {
    JobHistory h;
    for (const jobs::Event& e : events) {
        if (e.kind == "sent") h.sentRecordedAt = e.at;
        if (e.kind == "failed") h.failedAt = e.at;
        if (e.kind == "cancelled") h.cancelledAt = e.at;
        if (e.kind != "delivered" && e.kind != "receipt_confirmed" && e.kind != "reply_received") continue;
        Object::Ptr detail;
        try {
            detail = parseObject(e.detailJson);
        } catch (const Poco::Exception&) {
            continue;  // only this service writes events; unreadable only if edited by hand
        }
        if (e.kind == "reply_received") {
            ReplyRecord r;
            r.at = text(detail, "receivedAt");
            auto at = form::parseIsoDateTimeJst(r.at);
            if (!at) continue;
            r.atJst = *at;
            r.sender = text(detail, "sender");
            r.recordedAt = e.at;
            h.replies.push_back(r);
            continue;
        }
        if (e.kind == "receipt_confirmed") {
            if (auto r = receiptOf(detail)) {
                r->actor = e.actor;
                r->recordedAt = e.at;
                h.receipts.push_back(*r);
            }
            continue;
        }
        DeliveredRecord d;
        d.at = text(detail, "at");
        auto at = form::parseIsoDateTimeJst(d.at);
        auto method = deliveredMethods().find(text(detail, "method"));
        if (!at || method == deliveredMethods().end()) continue;
        d.atJst = *at;
        d.methodKey = method->first;
        d.method = method->second;
        d.person = text(detail, "person");
        d.note = text(detail, "note");
        d.actor = e.actor;
        d.recordedAt = e.at;
        h.delivered.push_back(d);
    }
    if (h.receipts.empty() && !job.receiptJson.empty()) {
        try {
            if (auto r = receiptOf(parseObject(job.receiptJson))) h.receipts.push_back(*r);
        } catch (const Poco::Exception&) {
        }
    }
    return h;
}

std::optional<Refusal> deliveredRefusal(const jobs::Job& job, const JobHistory& history) {
    if (job.state == jobs::JobState::Cancelled)
        return Refusal{"job_cancelled", "取り消されたジョブには送付の記録を付けられません。"};
    if (job.channel == jobs::Channel::Fax)
        return Refusal{"fax_job",
                       "FAXのジョブには送付の記録を付けられません(FAX送信装置の送信完了の記録が根拠になります)。"};
    if (job.state == jobs::JobState::Failed)
        return Refusal{"job_failed", "印刷に失敗したジョブです。再印刷(再試行)してから送付を記録してください。"};
    if (job.state == jobs::JobState::Accepted || job.state == jobs::JobState::Rendering)
        return Refusal{"not_rendered", "帳票がまだ作成されていないため、送付を記録できません。"};
    if (!history.delivered.empty())
        return Refusal{"already_delivered", "このジョブの送付はすでに記録されています(" +
                                                form::formatWarekiDateTime(history.delivered.front().atJst) +
                                                ")。記録は変更できません。"};
    return std::nullopt;
}

common::Result<std::string> deliveredDetail(const Object::Ptr& body, const jobs::Job& job, long long nowUs) {
    std::vector<FieldError> errors;
    for (const auto& [key, value] : *body)
        if (key != "at" && key != "method" && key != "person" && key != "note")
            errors.push_back({key, "unknown_field", "「" + key + "」は指定できない項目です。"});

    std::optional<long long> atUs;
    if (!body->has("at")) {
        errors.push_back({"at", "required", "送付した日時(at)を指定してください。"});
    } else if (!body->get("at").isString()) {
        errors.push_back({"at", "wrong_type", "送付した日時(at)は文字列(例: 2025-12-01T10:30:00+09:00)で指定してください。"});
    } else if (auto at = form::parseIsoDateTimeJst(body->getValue<std::string>("at")); !at) {
        errors.push_back({"at", "invalid_datetime",
                          "送付した日時(at)は時差付きの日時(例: 2025-12-01T10:30:00+09:00)で指定してください。"});
    } else if (epochUsOf(*at) > nowUs + kRecordClockSkewUs) {
        errors.push_back({"at", "in_future", "送付した日時(at)が未来になっています。"});
    } else if (epochUsOf(*at) < job.createdAtUs - job.createdAtUs % kMinuteUs) {
        errors.push_back({"at", "before_created", "送付した日時(at)がジョブの作成(" + job.createdAt + ")より前になっています。"});
    } else {
        atUs = epochUsOf(*at);
    }

    std::string method;
    if (!body->has("method")) {
        errors.push_back({"method", "required", "送付の方法(method)を指定してください。"});
    } else if (!body->get("method").isString() || !deliveredMethods().count(body->getValue<std::string>("method"))) {
        errors.push_back({"method", "invalid_option",
                          "送付の方法(method)は in_person(手渡し), mail(郵送), fax, email, other のいずれかです。"});
    } else {
        method = body->getValue<std::string>("method");
    }
    auto person = textMember(body, "person", 40, true, "受け取った方の氏名", errors);
    auto note = textMember(body, "note", 200, false, "備考", errors);
    if (!errors.empty()) return Status::invalidArgument("invalid delivered record", errors);

    Object::Ptr detail = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    detail->set("at", common::isoJst(Poco::Timestamp(*atUs)));
    detail->set("method", method);
    detail->set("person", *person);
    if (note && !note->empty()) detail->set("note", *note);
    return stringify(detail);
}

}  // namespace app
