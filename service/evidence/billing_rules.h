// Billing-evidence helpers for the care manager (rules.md §2.1, §2.2): which tier of the
// admission add-on (入院時情報連携加算) a sent sheet supports, and which tier of the discharge
// add-on (退院・退所加算) the information receipts support. Decision support only: the care
// manager decides what is billed. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "evidence/business_calendar.h"
#include "form/wareki.h"

namespace evidence {

// How a document went out (E_SEND_METHOD of sheets.md §0.3, plus print for a printed copy).
enum class SendMethod { InPerson, Fax, Mail, Email, Phone, Video, Other, Print };

// "in_person", "fax", "mail", "email", "phone", "video", "other", "print"; nullopt otherwise.
std::optional<SendMethod> parseSendMethod(const std::string& key);
std::string sendMethodKey(SendMethod method);

// Something the care manager should look at: a stable English code ("holiday_chain") and a
// Japanese message for the care worker.
struct BillingWarning {
    std::string code;
    std::string message;
};

// Rule versions of the admission add-on, chosen by the admission date.
inline constexpr const char* kAdmissionRule2024 = "2024-04";    // admissions from 2024-04-01
inline constexpr const char* kAdmissionRule2018 = "2018-04";    // 2018-04-01 .. 2024-03-31
inline constexpr const char* kAdmissionRulePre2018 = "pre-2018";  // before 2018-04-01
std::string admissionRuleFor(const form::Date& admissionDate);

struct Admission {
    form::Date date;                     // admission day = day 1
    std::optional<form::TimeOfDay> time;  // Japan time; when absent, only the calendar and the flag count
    // admitted_after_hours as recorded by the care manager. When given it replaces the test of
    // time against business hours; an admission on a closed day is after hours either way.
    std::optional<bool> afterHours;
};

// The last days that count for each tier. Under the 2024-04 rule a holiday chain leaves the
// reach of the after-hours extension unconfirmed (rules.md §2.1): then the unconfirmed* dates
// give the furthest day the extension might reach (the next business day) and warnings holds
// "holiday_chain". Under pre-2018, lastDayI is the same 7-day limit as lastDayII and (Ⅰ) also
// needs a hospital visit (SendMethod::InPerson).
struct AdmissionDeadlines {
    std::string rule;         // kAdmissionRule*
    bool afterHours = false;  // the after-hours extensions apply (2024-04 rule only)
    form::Date lastDayI;
    form::Date lastDayII;
    std::optional<form::Date> unconfirmedLastDayI;
    std::optional<form::Date> unconfirmedLastDayII;
    std::vector<BillingWarning> warnings;  // "holiday_chain", "admission_time_unknown"
};
AdmissionDeadlines admissionDeadlines(const Admission& admission, const BusinessCalendar& calendar);

struct AdmissionTierInput {
    Admission admission;
    form::DateTime sentAt;  // Japan time; only its date matters
    SendMethod sendMethod = SendMethod::Fax;  // matters only under the pre-2018 rule
};

struct AdmissionTier {
    // "I", "II", "none" (too late), or "unclear" (the sent day lies only inside an unconfirmed
    // holiday-chain extension: show the warning instead of a tier).
    std::string tier;
    std::string label;  // 入院時情報連携加算(Ⅰ) …
    int units = 0;      // per month; 0 for none and unclear
    std::string rule;   // kAdmissionRule*
    std::vector<BillingWarning> warnings;  // only those that bear on this sent day
    std::string deadlineI;   // ISO date, last day that certainly counts for (Ⅰ)
    std::string deadlineII;  // ISO date, last day that certainly counts for (Ⅱ)
    // ISO dates, furthest day an unconfirmed holiday-chain extension might reach; empty when none.
    std::string unconfirmedDeadlineI;
    std::string unconfirmedDeadlineII;
};
// A sheet sent before the admission day counts as (Ⅰ) under every rule version.
AdmissionTier admissionTier(const AdmissionTierInput& input, const BusinessCalendar& calendar);

// One session in which the care manager received information from the hospital or facility.
struct DischargeInfoReceipt {
    form::Date date;
    bool conference = false;  // received through a conference (カンファレンス)
};

struct DischargeTierInput {
    std::vector<DischargeInfoReceipt> receipts;
    std::optional<form::Date> dischargeDate;  // when absent the 7-day limit cannot be checked
    bool initialAddonClaimed = false;         // 初回加算 flagged for the same plan
};

struct DischargeTier {
    // "I-i", "I-ro", "II-i", "II-ro", "III", "none", "blocked" (初回加算 claimed).
    std::string tier;
    std::string label;  // 退院・退所加算(Ⅰ)イ …
    int units = 0;      // per stay; 0 for none and blocked
    int receiptsCounted = 0;  // distinct dates that count
    bool conference = false;  // a counted receipt was a conference
    std::vector<form::Date> countedDates;  // ascending
    std::vector<BillingWarning> warnings;  // "receipt_after_window", "discharge_date_unknown", "initial_addon_claimed"
};
// Receipts on the same day count once; receipts later than discharge + 7 days do not count.
DischargeTier dischargeTier(const DischargeTierInput& input);

}  // namespace evidence
