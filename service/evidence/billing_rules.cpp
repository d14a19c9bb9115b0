#include "evidence/billing_rules.h"

#include <map>
#include <set>
#include <stdexcept>

namespace evidence {
namespace {

using form::Date;

const Date kFy2024Revision{2024, 4, 1};
const Date kFy2018Revision{2018, 4, 1};

const char* const kAdmissionLabelI = "入院時情報連携加算(Ⅰ)";
const char* const kAdmissionLabelII = "入院時情報連携加算(Ⅱ)";

const char* const kHolidayChain = "holiday_chain";

bool after(const Date& a, const Date& b) { return b < a; }
bool onOrBefore(const Date& a, const Date& b) { return !after(a, b); }

// Whether the 2024 extensions apply. A closed admission day always does; otherwise the
// care manager's flag wins over the time, and without either we assume business hours.
bool admittedAfterHours(const Admission& admission, const BusinessCalendar& calendar) {
    if (!calendar.isBusinessDay(admission.date)) return true;
    if (admission.afterHours) return *admission.afterHours;
    if (admission.time) return calendar.isAfterHours({admission.date, *admission.time});
    return false;
}

// FY2024 rule. (Ⅰ): day 1 (or earlier), plus day 2 after hours. (Ⅱ): days 2–3, plus day 4
// after hours when day 3 is closed. The notice extends by exactly one day; whether it reaches
// on to the next business day across a chain of closed days is unconfirmed (rules.md §2.1).
// A chain is two closed days in a row from the day that triggers the extension: the closed
// admission day and day 2 for (Ⅰ), day 3 and day 4 for (Ⅱ). An after-hours admission on a
// business day followed by a weekend is not a chain: rules.md's Friday-20:00 example gives a
// definite answer.
AdmissionDeadlines deadlines2024(const Admission& admission, const BusinessCalendar& calendar) {
    const Date day1 = admission.date;
    AdmissionDeadlines d;
    d.rule = kAdmissionRule2024;
    d.afterHours = admittedAfterHours(admission, calendar);
    d.lastDayI = d.afterHours ? addDays(day1, 1) : day1;
    d.lastDayII = addDays(day1, 2);
    if (!d.afterHours) return d;

    const Date day2 = addDays(day1, 1), day3 = addDays(day1, 2), day4 = addDays(day1, 3);
    if (!calendar.isBusinessDay(day1) && !calendar.isBusinessDay(day2)) {
        auto next = calendar.nextBusinessDayAfter(day1);
        if (next && after(*next, d.lastDayI)) d.unconfirmedLastDayI = next;
    }
    if (!calendar.isBusinessDay(day3)) {
        d.lastDayII = day4;
        if (!calendar.isBusinessDay(day4)) {
            auto next = calendar.nextBusinessDayAfter(day3);
            if (next && after(*next, d.lastDayII)) d.unconfirmedLastDayII = next;
        }
    }
    if (d.unconfirmedLastDayI || d.unconfirmedLastDayII)
        d.warnings.push_back({kHolidayChain,
                              "休業日が続くため、営業時間外入院の期限延長がどこまで及ぶか未確認です。確実な期限は(Ⅰ)" +
                                  form::formatWareki(d.lastDayI) + "、(Ⅱ)" + form::formatWareki(d.lastDayII) +
                                  "までです。"});
    return d;
}

AdmissionTier tierResult(const std::string& tier, const AdmissionDeadlines& d) {
    const bool current = d.rule == kAdmissionRule2024;
    AdmissionTier t;
    t.tier = tier;
    t.rule = d.rule;
    if (tier == "I") {
        t.label = kAdmissionLabelI;
        t.units = current ? 250 : 200;
    } else if (tier == "II") {
        t.label = kAdmissionLabelII;
        t.units = current ? 200 : 100;
    } else if (tier == "unclear") {
        t.label = "入院時情報連携加算(要確認)";
    } else {
        t.label = "入院時情報連携加算(期限外)";
    }
    t.deadlineI = isoDate(d.lastDayI);
    t.deadlineII = isoDate(d.lastDayII);
    if (d.unconfirmedLastDayI) t.unconfirmedDeadlineI = isoDate(*d.unconfirmedLastDayI);
    if (d.unconfirmedLastDayII) t.unconfirmedDeadlineII = isoDate(*d.unconfirmedLastDayII);
    return t;
}

bool within(const Date& sent, const std::optional<Date>& last) { return last && onOrBefore(sent, *last); }

AdmissionTier tier2024(const Date& sent, const AdmissionDeadlines& d) {
    if (onOrBefore(sent, d.lastDayI)) return tierResult("I", d);
    if (onOrBefore(sent, d.lastDayII)) {
        AdmissionTier t = tierResult("II", d);
        if (within(sent, d.unconfirmedLastDayI))
            t.warnings.push_back({kHolidayChain,
                                  "休業日が続くため、営業時間外入院の(Ⅰ)の期限延長がどこまで及ぶか未確認です。確実な(Ⅱ)と"
                                  "判定しました。(Ⅰ)に当たるかは保険者に確認してください。"});
        return t;
    }
    if (within(sent, d.unconfirmedLastDayI) || within(sent, d.unconfirmedLastDayII)) {
        AdmissionTier t = tierResult("unclear", d);
        t.warnings.push_back({kHolidayChain, "休業日が続くため、営業時間外入院の期限延長がどこまで及ぶか未確認です。"
                                             "確実な期限((Ⅱ)" +
                                                 form::formatWareki(d.lastDayII) +
                                                 ")を過ぎているため区分を判定できません。保険者に確認してください。"});
        return t;
    }
    return tierResult("none", d);
}

}  // namespace

std::optional<SendMethod> parseSendMethod(const std::string& key) {
    static const std::map<std::string, SendMethod> kMethods = {
        {"in_person", SendMethod::InPerson}, {"fax", SendMethod::Fax},     {"mail", SendMethod::Mail},
        {"email", SendMethod::Email},        {"phone", SendMethod::Phone}, {"video", SendMethod::Video},
        {"other", SendMethod::Other},        {"print", SendMethod::Print}};
    auto it = kMethods.find(key);
    if (it == kMethods.end()) return std::nullopt;
    return it->second;
}

std::string sendMethodKey(SendMethod method) {
    switch (method) {
        case SendMethod::InPerson: return "in_person";
        case SendMethod::Fax: return "fax";
        case SendMethod::Mail: return "mail";
        case SendMethod::Email: return "email";
        case SendMethod::Phone: return "phone";
        case SendMethod::Video: return "video";
        case SendMethod::Other: return "other";
        case SendMethod::Print: return "print";
    }
    throw std::logic_error("unknown SendMethod");
}

std::string admissionRuleFor(const Date& admissionDate) {
    if (!(admissionDate < kFy2024Revision)) return kAdmissionRule2024;
    if (!(admissionDate < kFy2018Revision)) return kAdmissionRule2018;
    return kAdmissionRulePre2018;
}

AdmissionDeadlines admissionDeadlines(const Admission& admission, const BusinessCalendar& calendar) {
    const std::string rule = admissionRuleFor(admission.date);
    if (rule == kAdmissionRule2024) {
        AdmissionDeadlines d = deadlines2024(admission, calendar);
        if (!admission.time && !admission.afterHours && calendar.isBusinessDay(admission.date))
            d.warnings.push_back({"admission_time_unknown",
                                  "入院時刻が未入力のため営業時間内の入院として期限を計算しました。営業時間外の入院であれば"
                                  "期限が延びます。"});
        return d;
    }
    AdmissionDeadlines d;
    d.rule = rule;
    // 2018–2024: (Ⅰ) within 3 days, (Ⅱ) days 4–7. Before 2018: 7 days for both, the tier
    // decided by the means. No after-hours extensions existed before 2024.
    d.lastDayI = addDays(admission.date, rule == kAdmissionRule2018 ? 2 : 6);
    d.lastDayII = addDays(admission.date, 6);
    return d;
}

AdmissionTier admissionTier(const AdmissionTierInput& input, const BusinessCalendar& calendar) {
    const AdmissionDeadlines d = admissionDeadlines(input.admission, calendar);
    const Date& sent = input.sentAt.date;
    if (d.rule == kAdmissionRulePre2018) {
        if (!onOrBefore(sent, d.lastDayII)) return tierResult("none", d);
        return tierResult(input.sendMethod == SendMethod::InPerson ? "I" : "II", d);
    }
    if (d.rule == kAdmissionRule2018) {
        if (onOrBefore(sent, d.lastDayI)) return tierResult("I", d);
        return tierResult(onOrBefore(sent, d.lastDayII) ? "II" : "none", d);
    }

    AdmissionTier t = tier2024(sent, d);
    // Without a time or flag we assumed business hours; say so when after hours would differ.
    const Admission& a = input.admission;
    if (!a.time && !a.afterHours && calendar.isBusinessDay(a.date)) {
        Admission late = a;
        late.afterHours = true;
        if (tier2024(sent, deadlines2024(late, calendar)).tier != t.tier)
            t.warnings.push_back({"admission_time_unknown",
                                  "入院時刻が未入力のため営業時間内の入院として判定しました。営業時間外の入院であれば"
                                  "判定が変わります。"});
    }
    return t;
}

DischargeTier dischargeTier(const DischargeTierInput& input) {
    DischargeTier t;
    const std::optional<Date> lastDay =
        input.dischargeDate ? std::optional<Date>(addDays(*input.dischargeDate, 7)) : std::nullopt;

    // Several receipts on one day count once; that day is a conference if any of them was.
    std::map<Date, bool> days;
    std::set<Date> late;
    for (const DischargeInfoReceipt& r : input.receipts) {
        if (lastDay && after(r.date, *lastDay)) {
            late.insert(r.date);
            continue;
        }
        days[r.date] = days[r.date] || r.conference;
    }
    for (const auto& [date, conference] : days) {
        t.countedDates.push_back(date);
        t.conference = t.conference || conference;
    }
    t.receiptsCounted = static_cast<int>(days.size());

    for (const Date& d : late)
        t.warnings.push_back({"receipt_after_window", form::formatWareki(d) +
                                                          "の情報収集は退院・退所日から7日を過ぎているため数えていません。"});
    if (!input.dischargeDate && !input.receipts.empty())
        t.warnings.push_back({"discharge_date_unknown",
                              "退院・退所日が未入力のため、退院後7日以内かどうかを確認できません。"});

    const int n = t.receiptsCounted;
    const bool c = t.conference;
    if (n == 0) {
        t.tier = "none";
        t.label = "退院・退所加算(対象の情報収集なし)";
    } else if (n == 1) {
        t.tier = c ? "I-ro" : "I-i";
        t.label = c ? "退院・退所加算(Ⅰ)ロ" : "退院・退所加算(Ⅰ)イ";
        t.units = c ? 600 : 450;
    } else if (!c) {
        t.tier = "II-i";
        t.label = "退院・退所加算(Ⅱ)イ";
        t.units = 600;
    } else if (n == 2) {
        t.tier = "II-ro";
        t.label = "退院・退所加算(Ⅱ)ロ";
        t.units = 750;
    } else {
        t.tier = "III";
        t.label = "退院・退所加算(Ⅲ)";
        t.units = 900;
    }

    if (input.initialAddonClaimed) {
        const std::string wouldBe = t.units > 0 ? "(記録上は" + t.label + "に相当)" : "";
        t.warnings.push_back({"initial_addon_claimed",
                              "初回加算を算定する場合、退院・退所加算は算定できません。" + wouldBe});
        t.tier = "blocked";
        t.label = "退院・退所加算(初回加算と併算定不可)";
        t.units = 0;
    }
    return t;
}

}  // namespace evidence
