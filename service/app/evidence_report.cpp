#include "app/evidence_report.h"

#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "app/delivery.h"
#include "common/clock.h"
#include "common/csv.h"
#include "evidence/billing_rules.h"
#include "evidence/progress_record.h"
#include "form/wareki.h"

namespace app {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using evidence::BillingWarning;
using evidence::SendMethod;

constexpr long long kMinuteUs = 60LL * 1000000;
constexpr long long kDayUs = 1440 * kMinuteUs;

const char* const kAdmissionSheet = "admission-info";
const char* const kDischargeSheet = kDischargeSheetId;
const char* const kPhysicianContactSheet = "physician-contact";  // sheet 3: 主治医とケアマネジャーの連絡票
const char* const kWelfareEquipmentSheet = "welfare-equipment";  // sheet 4: 軽度者の福祉用具貸与に係る連絡票

std::string text(const Object::Ptr& o, const std::string& key) {
    return o && o->has(key) && o->get(key).isString() ? o->getValue<std::string>(key) : "";
}

Object::Ptr parse(const std::string& json) {
    try {
        if (!json.empty()) return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return new Object;
}

Object::Ptr reason(const std::string& code, const std::string& message) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("code", code);
    o->set("message", message);
    return o;
}

// The document of the job the evidence is about: the first admission or
// discharge sheet, else the first document.
struct EvidenceDocument {
    int index = 0;
    std::string sheetId;
    Object::Ptr fields = new Object;
};

EvidenceDocument evidenceDocument(const jobs::Job& job) {
    EvidenceDocument d;
    d.sheetId = job.sheetId;
    Object::Ptr body = parse(job.requestJson);
    if (Object::Ptr fields = body->getObject("fields")) {
        d.fields = fields;
        return d;
    }
    Array::Ptr docs = body->getArray("documents");
    if (!docs) return d;
    for (size_t i = 0; i < docs->size(); ++i) {
        Object::Ptr doc = docs->getObject(i);
        const std::string sheet = text(doc, "sheet");
        if (!doc || (i > 0 && sheet != kAdmissionSheet && sheet != kDischargeSheet)) continue;
        d.index = static_cast<int>(i);
        d.sheetId = sheet.empty() ? job.sheetId : sheet;
        if (Object::Ptr fields = doc->getObject("fields")) d.fields = fields;
        if (sheet == kAdmissionSheet || sheet == kDischargeSheet) break;
    }
    return d;
}

// Who the information went to, from the delivery (the partner directory, for
// a fax) or the sheet, with the person who took a delivered sheet.
struct Recipient {
    std::string institution, department, person;
    // 東光しらかば記念病院 地域医療連携室 北野 美咲様
    std::string display() const {
        std::string s = institution;
        auto add = [&s](const std::string& part) {
            if (!part.empty()) s += (s.empty() ? "" : " ") + part;
        };
        add(department);
        const std::string sama = "様";
        const bool hasSama = person.size() >= sama.size() && person.compare(person.size() - sama.size(), sama.size(), sama) == 0;
        add(person.empty() || hasSama ? person : person + sama);
        return s;
    }
};

Recipient recipientOf(const Delivery& delivery, const Object::Ptr& fields, const JobHistory& history) {
    Recipient r;
    r.institution = delivery.name;
    const bool directory = !delivery.partnerId.empty();
    r.department = directory ? delivery.department : text(fields, "recipient_department");
    r.person = directory ? delivery.person : text(fields, "recipient_person");
    if (r.institution.empty()) r.institution = text(fields, "recipient_institution");
    if (!history.delivered.empty()) r.person = history.delivered.front().person;
    return r;
}

std::string deliveredMethodLabel(const std::string& key) {
    if (key == "in_person") return "手渡し";
    if (key == "mail") return "郵送";
    if (key == "fax") return "FAX";
    if (key == "email") return "電子メール";
    return "その他";
}

std::string receiptMethodLabel(const std::string& key) {
    if (key == "phone") return "電話";
    if (key == "fax") return "FAX";
    if (key == "email") return "電子メール";
    if (key == "in_person") return "面談";
    if (key == "video") return "テレビ電話等";
    return "その他";
}

// The gateway's reasons (docs/fax-gateway.md) in Japanese; others are left out
// of the line (the job's error keeps them).
std::string failureReasonLabel(const std::string& reason) {
    if (reason == "busy") return "話中";
    if (reason == "no_answer") return "応答なし";
    if (reason == "error") return "送信エラー";
    return "";
}

// The sheet's send_method (E_SEND_METHOD) in Japanese.
std::string sendMethodLabel(const std::string& key) {
    static const std::map<std::string, std::string> kLabels = {
        {"in_person", "持参"}, {"fax", "FAX"},   {"mail", "郵送"},         {"email", "電子メール"},
        {"phone", "電話"},     {"video", "テレビ電話等"}, {"other", "その他"}, {"print", "印刷"}};
    auto it = kLabels.find(key);
    return it == kLabels.end() ? key : it->second;
}

// What became of the job's sending, and when the information was provided.
struct Provision {
    std::string status, statusLabel;
    Object::Ptr reason;  // null when there is evidence
    std::optional<form::DateTime> at;
    std::string atIso;
    std::string basis, basisLabel;
    SendMethod method = SendMethod::Print;
    // The progress line: what it records and when.
    evidence::SendOutcome outcome = evidence::SendOutcome::Done;
    std::optional<form::DateTime> lineAt;
    std::string failureReason;
    std::vector<BillingWarning> warnings;
};

// The gateway's confirmed send time of a sent fax. When it is missing or
// impossible (before the job existed, or after the server recorded the
// result), the time the server recorded the result: later than the real one,
// so it can only lower the tier.
void faxSent(const jobs::Job& job, const Delivery& delivery, const JobHistory& history, Provision& p) {
    const std::string finished = text(delivery.result, "finishedAt");
    const auto gateway = form::parseIsoDateTimeJst(finished);
    const auto recorded = form::parseIsoDateTimeJst(history.sentRecordedAt);
    const long long createdMinuteUs = job.createdAtUs - job.createdAtUs % kMinuteUs;
    const bool plausible = gateway && epochUsOf(*gateway) >= createdMinuteUs &&
                           (!recorded || epochUsOf(*gateway) <= epochUsOf(*recorded) + kRecordClockSkewUs);
    p.status = "sent";
    p.statusLabel = "送信済";
    p.basis = "fax_gateway";
    p.basisLabel = "FAX送信完了(送信装置の記録)";
    p.method = SendMethod::Fax;
    if (plausible) {
        p.at = gateway;
        p.atIso = finished;
    } else if (recorded || form::parseIsoDateTimeJst(job.sentAt)) {
        p.atIso = recorded ? history.sentRecordedAt : job.sentAt;
        p.at = form::parseIsoDateTimeJst(p.atIso);
        p.warnings.push_back({gateway ? "gateway_time_implausible" : "gateway_time_missing",
                              "FAX送信装置の報告に正しい送信完了時刻がないため、サーバーが結果を受け取った時刻(" +
                                  form::formatWarekiDateTime(*p.at) +
                                  ")を送信時刻としています。実際の送信はこれより前です。"});
    } else {
        p.status = "pending";
        p.statusLabel = "送信未確認";
        p.basis.clear();
        p.basisLabel.clear();
        p.reason = reason("fax_time_unknown", "FAXの送信完了時刻がわかりません。");
        return;
    }
    p.lineAt = p.at;
}

Provision provisionOf(const jobs::Job& job, const Delivery& delivery, const JobHistory& history) {
    Provision p;
    const bool fax = job.channel == jobs::Channel::Fax;
    p.method = fax ? SendMethod::Fax : SendMethod::Print;
    if (job.state == jobs::JobState::Cancelled) {
        p.status = "cancelled";
        p.statusLabel = "取消";
        p.reason = reason("cancelled", fax ? "FAX送信を取り消したため、情報は提供されていません。"
                                           : "取り消したため、情報は提供されていません。");
        p.outcome = evidence::SendOutcome::Cancelled;
        p.lineAt = form::parseIsoDateTimeJst(history.cancelledAt.empty() ? job.updatedAt : history.cancelledAt);
        return p;
    }
    if (!fax && !history.delivered.empty()) {
        const DeliveredRecord& d = history.delivered.front();
        p.status = "delivered";
        p.statusLabel = "送付済(" + deliveredMethodLabel(d.methodKey) + ")";
        p.at = d.atJst;
        p.atIso = d.at;
        p.basis = "delivered_record";
        p.basisLabel = "送付の記録(" + deliveredMethodLabel(d.methodKey) + ")";
        p.method = d.method;
        p.lineAt = p.at;
        if (job.state == jobs::JobState::Failed)
            p.warnings.push_back({"print_failed", "このジョブの印刷は失敗と報告されています。送付の記録を確認してください。"});
        return p;
    }
    if (job.state == jobs::JobState::Failed) {
        p.status = "failed";
        p.statusLabel = fax ? "送信失敗" : "印刷失敗";
        p.reason = reason(fax ? "fax_failed" : "print_failed",
                          fax ? "FAX送信に失敗したため、情報は提供されていません。"
                              : "印刷に失敗し、送付の記録もないため、情報は提供されていません。");
        p.outcome = evidence::SendOutcome::Failed;
        p.lineAt = form::parseIsoDateTimeJst(text(delivery.result, "finishedAt"));
        if (!p.lineAt) p.lineAt = form::parseIsoDateTimeJst(history.failedAt.empty() ? job.updatedAt : history.failedAt);
        p.failureReason = failureReasonLabel(text(delivery.result, "reason"));
        return p;
    }
    if (fax && job.state == jobs::JobState::Sent) {
        faxSent(job, delivery, history, p);
        return p;
    }
    p.status = "pending";
    if (fax) {
        p.statusLabel = "送信未確認";
        p.reason = reason("fax_not_confirmed", "FAX送信の完了が送信装置からまだ報告されていません。");
    } else {
        p.statusLabel = "未送付";
        p.reason = reason("not_delivered", "送付(手渡し・郵送)の記録がありません。");
    }
    return p;
}

Array::Ptr warningsJson(const std::vector<BillingWarning>& warnings) {
    Array::Ptr list = new Array;
    for (const auto& w : warnings) list->add(reason(w.code, w.message));
    return list;
}

void setDeadlines(Object::Ptr o, const evidence::AdmissionDeadlines& d) {
    o->set("rule", d.rule);
    o->set("deadlineI", evidence::isoDate(d.lastDayI));
    o->set("deadlineII", evidence::isoDate(d.lastDayII));
}

Object::Ptr admissionAddOn(const Object::Ptr& fields, const Provision& p, const evidence::BusinessCalendar& calendar) {
    auto date = form::parseIsoDate(text(fields, "admission_date"));
    if (!date) return nullptr;
    evidence::Admission admission;
    admission.date = *date;
    if (auto t = form::parseTime(text(fields, "admission_time"))) admission.time = *t;
    if (fields->has("admitted_after_hours") && fields->get("admitted_after_hours").isBoolean())
        admission.afterHours = fields->getValue<bool>("admitted_after_hours");
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("kind", "admission_info");
    if (!p.at) {
        // Nothing reached the hospital (yet): no add-on, but the deadlines to meet.
        const evidence::AdmissionDeadlines d = evidence::admissionDeadlines(admission, calendar);
        o->set("tier", "none");
        o->set("label", "入院時情報連携加算(算定の根拠なし)");
        o->set("units", 0);
        setDeadlines(o, d);
        o->set("reason", p.reason);
        o->set("warnings", warningsJson(d.warnings));
        return o;
    }
    evidence::AdmissionTierInput input;
    input.admission = admission;
    input.sentAt = *p.at;
    input.sendMethod = p.method;
    const evidence::AdmissionTier tier = evidence::admissionTier(input, calendar);
    o->set("tier", tier.tier);
    o->set("label", tier.label);
    o->set("units", tier.units);
    o->set("rule", tier.rule);
    o->set("deadlineI", tier.deadlineI);
    o->set("deadlineII", tier.deadlineII);
    if (tier.tier == "none")
        o->set("reason", reason("too_late", form::formatWareki(p.at->date) + "の提供は期限((Ⅱ)" +
                                                 form::formatWareki(*form::parseIsoDate(tier.deadlineII)) +
                                                 ")を過ぎています。"));
    o->set("warnings", warningsJson(tier.warnings));
    return o;
}

evidence::DischargeTier dischargeTierOf(const Object::Ptr& fields) {
    evidence::DischargeTierInput input;
    if (Array::Ptr rows = fields->getArray("interviews"))
        for (size_t i = 0; i < rows->size(); ++i) {
            Object::Ptr row = rows->getObject(i);
            auto d = row ? form::parseIsoDate(text(row, "date")) : std::nullopt;
            if (d) input.receipts.push_back({*d, text(row, "conference") == "yes"});
        }
    if (auto d = form::parseIsoDate(text(fields, "actual_discharge_date"))) input.dischargeDate = *d;
    return evidence::dischargeTier(input);
}

Object::Ptr dischargeAddOn(const evidence::DischargeTier& tier, const Provision& transmission) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("kind", "discharge");
    const bool withdrawn = transmission.status == "cancelled" || transmission.status == "failed";
    o->set("tier", withdrawn ? "none" : tier.tier);
    o->set("label", withdrawn ? "退院・退所加算(算定の根拠なし)" : tier.label);
    o->set("units", withdrawn ? 0 : tier.units);
    o->set("receiptsCounted", tier.receiptsCounted);
    o->set("conference", tier.conference);
    if (withdrawn)
        o->set("reason", transmission.reason);
    else if (tier.receiptsCounted == 0)
        o->set("reason", reason("no_interviews", "退院・退所情報の収集(面談)の記録がありません。"));
    o->set("warnings", warningsJson(tier.warnings));
    return o;
}

bool before(const form::DateTime& a, const form::DateTime& b) { return epochUsOf(a) < epochUsOf(b); }

// The 第5表 line for what happened to the sending; empty when nothing did.
std::string progressLine(const jobs::Job& job, const Provision& p, const Recipient& recipient,
                         const std::string& sheetId, const std::string& sheetTitle, const JobHistory& history,
                         std::vector<BillingWarning>& warnings) {
    if (!p.lineAt) return "";
    evidence::ProgressRecordEntry entry;
    entry.sentAt = *p.lineAt;
    entry.recipientInstitution = recipient.institution;
    entry.recipientDepartment = recipient.department;
    entry.recipientPerson = recipient.person;
    entry.sheetTitle = sheetTitle;
    entry.sendMethod = p.method;
    entry.outcome = p.outcome;
    entry.failureReason = p.failureReason;
    if (p.outcome == evidence::SendOutcome::Done) {
        if (job.pageCount > 0 && p.basis == "fax_gateway") entry.pageCount = job.pageCount;
        std::vector<const ReceiptRecord*> counted;
        for (const ReceiptRecord& r : history.receipts) {
            if (before(r.atJst, *p.lineAt)) {
                warnings.push_back({"receipt_before_provided", "受信確認(" + form::formatWarekiDateTime(r.atJst) +
                                                                   ")が送付の時刻より前のため、支援経過記録に含めていません。"});
                continue;
            }
            counted.push_back(&r);
        }
        auto confirmation = [](const ReceiptRecord& r) {
            evidence::ReceiptConfirmation c;
            c.at = r.atJst;
            c.person = r.person;
            c.method = evidence::parseSendMethod(r.methodKey).value_or(SendMethod::Phone);
            return c;
        };
        if (!counted.empty()) entry.confirmation = confirmation(*counted.front());
        // The latest later one, if it is not before the first (recorded out of order).
        if (counted.size() > 1 && !before(counted.back()->atJst, counted.front()->atJst))
            entry.laterConfirmation = confirmation(*counted.back());
        // The earliest reply received back by fax (issue 18), not before the sending.
        for (const ReplyRecord& r : history.replies) {
            if (before(r.atJst, *p.lineAt)) {
                warnings.push_back({"reply_before_provided", "返信受信(" + form::formatWarekiDateTime(r.atJst) +
                                                                 ")が送付の時刻より前のため、支援経過記録に含めていません。"});
                continue;
            }
            if (!entry.replyReceivedAt || before(r.atJst, *entry.replyReceivedAt)) entry.replyReceivedAt = r.atJst;
        }
        // Sheets 3 and 4 are answered by the attending physician on their reply half.
        if (entry.replyReceivedAt && (sheetId == kPhysicianContactSheet || sheetId == kWelfareEquipmentSheet))
            entry.replyFrom = "主治医";
    }
    auto line = evidence::progressRecordLine(entry);
    if (line) return line.value();
    std::string problems;
    for (const auto& e : line.status().fieldErrors()) problems += e.message;
    warnings.push_back({"progress_record_incomplete", "支援経過記録の文を作れません: " + problems});
    return "";
}

std::string monthOf(const form::Date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d", d.year, d.month);
    return buf;
}

Object::Ptr documentJson(const jobs::Job& job, const EvidenceDocument& doc, const std::string& title) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("index", doc.index);
    o->set("sheet", doc.sheetId);
    o->set("title", title);
    o->set("href", "/api/v1/jobs/" + job.id + "/document?format=pdf");
    if (job.channel == jobs::Channel::Fax) o->set("faxHref", "/api/v1/jobs/" + job.id + "/document?format=fax_pdf");
    return o;
}


}  // namespace

EvidenceWindow evidenceWindowFor(const form::Date& monthStart) {
    const long long startUs = epochUsOf({monthStart, {0, 0}});
    const form::Date next =
        monthStart.month == 12 ? form::Date{monthStart.year + 1, 1, 1} : form::Date{monthStart.year, monthStart.month + 1, 1};
    EvidenceWindow w;
    w.fromUs = startUs - EvidenceWindow::kLookBehindDays * kDayUs;
    w.monthEndUs = epochUsOf({next, {0, 0}});
    w.toUs = w.monthEndUs + EvidenceWindow::kLookAheadDays * kDayUs;
    return w;
}

Object::Ptr evidenceOf(const jobs::Job& job, const JobHistory& history, const form::TemplateRegistry& templates,
                       const evidence::BusinessCalendar& calendar) {
    const EvidenceDocument doc = evidenceDocument(job);
    const Object::Ptr& fields = doc.fields;
    // Unreadable (only if edited by hand): the recipient comes from the sheet.
    auto stored = Delivery::of(job);
    const Delivery delivery = stored ? stored.value() : Delivery();
    const Recipient recipient = recipientOf(delivery, fields, history);
    const form::SheetTemplate* sheet = templates.find(doc.sheetId);
    const std::string title = sheet ? sheet->title : doc.sheetId;

    const Provision transmission = provisionOf(job, delivery, history);
    Provision p = transmission;
    Object::Ptr addOn;
    if (doc.sheetId == kDischargeSheet) {
        const evidence::DischargeTier tier = dischargeTierOf(fields);
        addOn = dischargeAddOn(tier, transmission);
        if (transmission.status != "cancelled" && transmission.status != "failed") {
            if (!tier.countedDates.empty()) {
                p.status = "recorded";
                p.statusLabel = "記録済(面談)";
                p.reason = nullptr;
                p.at = form::DateTime{tier.countedDates.back(), {0, 0}};
                p.atIso = evidence::isoDate(tier.countedDates.back());
                p.basis = "discharge_interviews";
                p.basisLabel = "面談(情報収集)の日";
            } else {
                p.status = "pending";
                p.statusLabel = "面談記録なし";
                p.reason = reason("no_interviews", "退院・退所情報の収集(面談)の記録がありません。");
                p.at.reset();
            }
        }
    } else if (doc.sheetId == kAdmissionSheet) {
        addOn = admissionAddOn(fields, p, calendar);
    }

    std::vector<BillingWarning> warnings = transmission.warnings;
    const std::string line = progressLine(job, transmission, recipient, doc.sheetId, title, history, warnings);

    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("status", p.status);
    out->set("statusLabel", p.statusLabel);
    if (p.reason) out->set("reason", p.reason);
    if (p.at) {
        out->set("providedAt", p.atIso);
        out->set("basis", p.basis);
        out->set("basisLabel", p.basisLabel);
        out->set("month", monthOf(p.at->date));
        out->set("monthBasis", "provided");
    } else {
        auto created = form::parseIsoDateTimeJst(job.createdAt);
        out->set("month", created ? monthOf(created->date) : "");
        out->set("monthBasis", "created");
    }
    out->set("document", documentJson(job, doc, title));
    out->set("recipient", recipient.display());
    out->set("sheetSentAt", text(fields, "sent_at"));
    out->set("sheetSendMethod", text(fields, "send_method"));
    out->set("sheetSendMethodLabel", sendMethodLabel(text(fields, "send_method")));
    if (!history.delivered.empty() && job.channel == jobs::Channel::Print)
        out->set("delivered", history.delivered.front().toJson());
    Array::Ptr receipts = new Array;
    for (const ReceiptRecord& r : history.receipts) receipts->add(r.toJson());
    out->set("receipts", receipts);
    Array::Ptr replies = new Array;
    for (const ReplyRecord& r : history.replies) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("receivedAt", r.at);
        o->set("sender", r.sender);
        replies->add(o);
    }
    out->set("replies", replies);
    if (addOn) out->set("addOn", addOn);
    if (!line.empty()) out->set("progressRecord", line);
    out->set("warnings", warningsJson(warnings));
    return out;
}

std::string jobStateLabel(const jobs::Job& job) {
    const bool fax = job.channel == jobs::Channel::Fax;
    switch (job.state) {
        case jobs::JobState::Accepted: return "受付";
        case jobs::JobState::Rendering: return "作成中";
        case jobs::JobState::Rendered: return "作成済";
        case jobs::JobState::Held: return "送信待ち";
        case jobs::JobState::Spooled: return fax ? "送信中" : "印刷中";
        case jobs::JobState::Sent: return fax ? "送信済" : "印刷済";
        case jobs::JobState::Failed: return fax ? "送信失敗" : "印刷失敗";
        case jobs::JobState::Cancelled: return "取消";
    }
    return jobs::stateName(job.state);
}

namespace {

// 令和7年12月1日 10時00分 for a time, 令和7年12月1日 for a date, else as given.
std::string warekiOf(const std::string& iso) {
    if (auto dt = form::parseIsoDateTimeJst(iso)) return form::formatWarekiDateTime(*dt);
    if (auto d = form::parseIsoDate(iso)) return form::formatWareki(*d);
    return iso;
}


}  // namespace

std::string evidenceCsv(const Array::Ptr& rows) {
    std::ostringstream out;
    out << "\xEF\xBB\xBF";  // BOM: Excel reads the file as UTF-8
    out << "ジョブID,文書,原本,利用者参照,宛先,状態,根拠,根拠日時,計上月,加算,単位,理由・注意,"
           "シート記載の送付日時,シート記載の送付方法,受信確認,支援経過記録\r\n";
    using common::csvField;
    for (size_t i = 0; i < rows->size(); ++i) {
        Object::Ptr r = rows->getObject(i);
        Object::Ptr ev = r ? r->getObject("evidence") : nullptr;
        if (!ev) continue;
        Object::Ptr addOn = ev->getObject("addOn");
        Object::Ptr doc = ev->getObject("document");
        std::string notes;
        auto note = [&notes](const Object::Ptr& o) {
            if (o) notes += (notes.empty() ? "" : " / ") + text(o, "message");
        };
        note(ev->getObject("reason"));
        if (addOn) {
            Object::Ptr addOnReason = addOn->getObject("reason");
            Object::Ptr evReason = ev->getObject("reason");
            if (addOnReason && (!evReason || text(addOnReason, "code") != text(evReason, "code"))) note(addOnReason);
            if (Array::Ptr w = addOn->getArray("warnings"))
                for (size_t k = 0; k < w->size(); ++k) note(w->getObject(k));
        }
        if (Array::Ptr w = ev->getArray("warnings"))
            for (size_t k = 0; k < w->size(); ++k) note(w->getObject(k));
        std::string receipts;
        if (Array::Ptr list = ev->getArray("receipts"))
            for (size_t k = 0; k < list->size(); ++k) {
                Object::Ptr c = list->getObject(k);
                receipts += (receipts.empty() ? "" : " / ") + warekiOf(text(c, "at")) + " " +
                            receiptMethodLabel(text(c, "method")) +
                            (text(c, "person").empty() ? "" : "(" + text(c, "person") + "様)");
            }
        const std::string document =
            doc ? "#" + std::to_string(doc->optValue<int>("index", 0) + 1) + " " + text(doc, "title") + "(" +
                      text(doc, "sheet") + ")"
                : "";
        out << csvField(text(r, "id")) << ',' << csvField(document) << ',' << csvField(text(doc, "href")) << ','
            << csvField(text(r, "patientRef")) << ',' << csvField(text(ev, "recipient")) << ','
            << csvField(text(ev, "statusLabel")) << ',' << csvField(text(ev, "basisLabel")) << ','
            << csvField(warekiOf(text(ev, "providedAt"))) << ',' << csvField(text(ev, "month")) << ','
            << csvField(addOn ? text(addOn, "label") : "") << ','
            << (addOn ? std::to_string(addOn->optValue<int>("units", 0)) : "") << ',' << csvField(notes) << ','
            << csvField(warekiOf(text(ev, "sheetSentAt"))) << ',' << csvField(sendMethodLabel(text(ev, "sheetSendMethod")))
            << ',' << csvField(receipts) << ',' << csvField(text(ev, "progressRecord")) << "\r\n";
    }
    return out.str();
}

}  // namespace app
