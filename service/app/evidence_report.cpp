#include "app/evidence_report.h"

#include <Poco/JSON/Parser.h>

#include <sstream>

#include "app/delivery.h"
#include "common/csv.h"
#include "evidence/billing_rules.h"
#include "evidence/progress_record.h"
#include "form/wareki.h"

namespace app {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr firstFields(const jobs::Job& job) {
    try {
        Object::Ptr body = Poco::JSON::Parser().parse(job.requestJson).extract<Object::Ptr>();
        if (Object::Ptr fields = body->getObject("fields")) return fields;
        if (Array::Ptr docs = body->getArray("documents"))
            if (docs->size() > 0 && docs->getObject(0)) return docs->getObject(0)->getObject("fields");
    } catch (const Poco::Exception&) {
    }
    return new Object;
}

Object::Ptr parse(const std::string& json) {
    try {
        if (!json.empty()) return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return new Object;
}

std::string text(const Object::Ptr& o, const std::string& key) { return o->optValue<std::string>(key, ""); }

// When the information reached the hospital: the gateway's report for a fax,
// otherwise what the care manager wrote on the sheet.
std::optional<form::DateTime> sentTime(const jobs::Job& job, const Object::Ptr& fields) {
    if (!job.sentAt.empty()) return form::parseIsoDateTimeJst(job.sentAt);
    return form::parseIsoDateTimeJst(text(fields, "sent_at"));
}

evidence::SendMethod methodOf(const jobs::Job& job, const Object::Ptr& fields) {
    if (job.channel == jobs::Channel::Fax) return evidence::SendMethod::Fax;
    return evidence::parseSendMethod(text(fields, "send_method")).value_or(evidence::SendMethod::Print);
}

Array::Ptr warningsJson(const std::vector<evidence::BillingWarning>& warnings) {
    Array::Ptr list = new Array;
    for (const auto& w : warnings) {
        Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("code", w.code);
        o->set("message", w.message);
        list->add(o);
    }
    return list;
}

Object::Ptr admissionAddOn(const Object::Ptr& fields, const form::DateTime& sent, evidence::SendMethod method,
                           const evidence::BusinessCalendar& calendar) {
    auto date = form::parseIsoDate(text(fields, "admission_date"));
    if (!date) return nullptr;
    evidence::AdmissionTierInput input;
    input.admission.date = *date;
    if (auto t = form::parseTime(text(fields, "admission_time"))) input.admission.time = *t;
    if (fields->has("admitted_after_hours") && fields->get("admitted_after_hours").isBoolean())
        input.admission.afterHours = fields->getValue<bool>("admitted_after_hours");
    input.sentAt = sent;
    input.sendMethod = method;
    evidence::AdmissionTier tier = evidence::admissionTier(input, calendar);
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("kind", "admission_info");
    o->set("tier", tier.tier);
    o->set("label", tier.label);
    o->set("units", tier.units);
    o->set("rule", tier.rule);
    o->set("deadlineI", tier.deadlineI);
    o->set("deadlineII", tier.deadlineII);
    o->set("warnings", warningsJson(tier.warnings));
    return o;
}

Object::Ptr dischargeAddOn(const Object::Ptr& fields) {
    evidence::DischargeTierInput input;
    if (Array::Ptr rows = fields->getArray("interviews"))
        for (size_t i = 0; i < rows->size(); ++i) {
            Object::Ptr row = rows->getObject(i);
            if (!row) continue;
            auto d = form::parseIsoDate(text(row, "date"));
            if (d) input.receipts.push_back({*d, text(row, "conference") == "yes"});
        }
    if (auto d = form::parseIsoDate(text(fields, "actual_discharge_date"))) input.dischargeDate = *d;
    evidence::DischargeTier tier = evidence::dischargeTier(input);
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("kind", "discharge");
    o->set("tier", tier.tier);
    o->set("label", tier.label);
    o->set("units", tier.units);
    o->set("receiptsCounted", tier.receiptsCounted);
    o->set("conference", tier.conference);
    o->set("warnings", warningsJson(tier.warnings));
    return o;
}

}  // namespace

Object::Ptr evidenceOf(const jobs::Job& job, const form::TemplateRegistry& templates,
                       const evidence::BusinessCalendar& calendar) {
    Object::Ptr fields = firstFields(job);
    // Unreadable (only if edited by hand): the recipient comes from the sheet.
    auto stored = Delivery::of(job);
    const Delivery delivery = stored ? stored.value() : Delivery();
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    auto sent = sentTime(job, fields);
    const evidence::SendMethod method = methodOf(job, fields);
    if (job.sheetId == "discharge-liaison") out->set("addOn", dischargeAddOn(fields));
    if (!sent) {
        out->set("status", "not_sent");
        return out;
    }
    out->set("sentAt", job.sentAt.empty() ? text(fields, "sent_at") : job.sentAt);
    if (job.sheetId == "admission-info")
        if (Object::Ptr addOn = admissionAddOn(fields, *sent, method, calendar)) out->set("addOn", addOn);

    evidence::ProgressRecordEntry entry;
    entry.sentAt = *sent;
    entry.recipientInstitution = delivery.name;
    entry.recipientDepartment = delivery.department;
    entry.recipientPerson = delivery.person;
    if (entry.recipientInstitution.empty()) {
        entry.recipientInstitution = text(fields, "recipient_institution");
        entry.recipientDepartment = text(fields, "recipient_department");
        entry.recipientPerson = text(fields, "recipient_person");
    }
    const form::SheetTemplate* sheet = templates.find(job.sheetId);
    entry.sheetTitle = sheet ? sheet->title : job.sheetId;
    entry.sendMethod = method;
    if (job.pageCount > 0) entry.pageCount = job.pageCount;
    Object::Ptr receipt = parse(job.receiptJson);
    if (auto at = form::parseIsoDateTimeJst(text(receipt, "at"))) {
        evidence::ReceiptConfirmation confirmation;
        confirmation.at = *at;
        confirmation.person = text(receipt, "person");
        confirmation.method = evidence::parseSendMethod(text(receipt, "method")).value_or(evidence::SendMethod::Phone);
        entry.confirmation = confirmation;
    }
    auto line = evidence::progressRecordLine(entry);
    if (line) out->set("progressRecord", line.value());
    out->set("status", job.state == jobs::JobState::Sent || !job.sentAt.empty() ? "sent" : "recorded");
    return out;
}

std::string evidenceCsv(const Array::Ptr& rows) {
    std::ostringstream out;
    out << "\xEF\xBB\xBF";  // BOM: Excel reads the file as UTF-8
    out << "ジョブID,帳票,利用者参照,宛先,状態,送付日時,加算,単位,注意,支援経過記録\r\n";
    for (size_t i = 0; i < rows->size(); ++i) {
        Object::Ptr r = rows->getObject(i);
        Object::Ptr ev = r->getObject("evidence");
        Object::Ptr addOn = ev ? ev->getObject("addOn") : nullptr;
        std::string warnings;
        if (addOn)
            if (Array::Ptr w = addOn->getArray("warnings"))
                for (size_t k = 0; k < w->size(); ++k)
                    warnings += (warnings.empty() ? "" : " / ") + w->getObject(k)->getValue<std::string>("message");
        using common::csvField;
        out << csvField(text(r, "id")) << ',' << csvField(text(r, "sheetTitle")) << ',' << csvField(text(r, "patientRef"))
            << ',' << csvField(text(r, "destination")) << ',' << csvField(text(r, "state")) << ','
            << csvField(ev ? text(ev, "sentAt") : "") << ',' << csvField(addOn ? text(addOn, "label") : "") << ','
            << (addOn ? std::to_string(addOn->optValue<int>("units", 0)) : "") << ',' << csvField(warnings) << ','
            << csvField(ev ? text(ev, "progressRecord") : "") << "\r\n";
    }
    return out.str();
}

}  // namespace app
