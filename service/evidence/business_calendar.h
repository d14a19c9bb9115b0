// The office's business days and hours (営業日・営業時間, from its 運営規程) with its
// closed days: Japan's national holidays (built in, see national_holidays.h) and the
// office's own (年末年始 etc.). They decide the after-hours extensions of the admission
// add-on (rules.md §2.1). A BusinessCalendar is immutable; share it between threads freely.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/status.h"
#include "form/wareki.h"

namespace evidence {

struct BusinessCalendarConfig {
    // Weekdays the office is open, 0 = Sunday … 6 = Saturday. Default Monday to Friday.
    std::set<int> businessWeekdays{1, 2, 3, 4, 5};
    // Business hours in Japan time: open is the first minute inside hours, close the first
    // minute after them (an admission at 18:00 sharp is after hours). Default 9:00–18:00.
    form::TimeOfDay open{9, 0};
    form::TimeOfDay close{18, 0};
    // Whether Japan's national holidays (祝日, 振替休日, 国民の休日) are closed days. Default
    // true; an office open on them sets it false. Years outside 2000–2099 have none.
    bool nationalHolidays = true;
    // The office's own dated closed days (a one-off closure, this year's 年末年始).
    std::set<form::Date> holidays;
    // (month, day) closed every year, e.g. 年末年始 {12,29}…{1,3}. {2,29} counts in leap years.
    std::set<std::pair<int, int>> annualClosedDays;
};

// An office's closed-days list as parseClosedDays reads it.
struct ClosedDays {
    std::set<form::Date> dates;
    std::set<std::pair<int, int>> annual;  // (month, day)
};

// Reads a list of closed days separated by commas, semicolons or white space. Each item is
// "YYYY-MM-DD" (that day), "MM-DD" (that day every year; 02-29 allowed), or a range "A..B" of
// two items of the same kind, both ends included ("2025-12-29..2026-01-03"; an annual range may
// wrap the year end, "12-29..01-03"). Spaces around ".." are allowed. An empty text is no
// closed days. Returns InvalidArgument naming every bad item, one FieldError per item with field
// "closed_days" and code "bad_date" (not a date of either kind), "mixed_range" (a dated and an
// annual end), "reversed_range" (a dated range ending before it starts) or "range_too_long"
// (a dated range of more than 366 days).
common::Result<ClosedDays> parseClosedDays(const std::string& text);

// Reads the settings text: weekdays as "mon,tue,wed,thu,fri" (English three-letter names,
// any case, spaces allowed), open and close as "HH:MM", holidays as the office's own closed
// days in parseClosedDays' syntax ("12-29..01-03, 2026-05-07"; empty for none). National
// holidays are closed (nationalHolidays stays true). Returns InvalidArgument naming every bad
// item, with one FieldError per item (fields "business_days", "business_open",
// "business_close", "holidays"); an empty weekday list and open not before close are errors.
common::Result<BusinessCalendarConfig> parseBusinessCalendarConfig(const std::string& weekdays,
                                                                   const std::string& open,
                                                                   const std::string& close,
                                                                   const std::string& holidays);

class BusinessCalendar {
public:
    BusinessCalendar() = default;  // Monday to Friday, 9:00–18:00, national holidays closed
    explicit BusinessCalendar(BusinessCalendarConfig config) : config_(std::move(config)) {}

    // True on a business weekday that is neither a national holiday (when those are closed)
    // nor one of the office's dated or annual closed days.
    bool isBusinessDay(const form::Date& d) const;
    // Why d is closed, for messages: the national holiday's name ("成人の日"), "事業所休業日"
    // for the office's own closed day, "定休日" for a weekday the office never opens; nullopt
    // exactly when isBusinessDay(d).
    std::optional<std::string> closedReason(const form::Date& d) const;
    // True outside open–close on a business day, and at any time on a closed day.
    // The date-time is Japan time.
    bool isAfterHours(const form::DateTime& at) const;
    // The first business day strictly after d, looking at most a year ahead; nullopt when the
    // calendar has none in that year.
    std::optional<form::Date> nextBusinessDayAfter(const form::Date& d) const;

    const BusinessCalendarConfig& config() const { return config_; }

private:
    BusinessCalendarConfig config_;
};

// Calendar arithmetic the rules need (proleptic Gregorian, valid dates in and out).
form::Date addDays(const form::Date& d, int days);
// to − from in days: 0 for the same day, 1 for the next day, negative when to is earlier.
int daysBetween(const form::Date& from, const form::Date& to);
// "2025-04-01".
std::string isoDate(const form::Date& d);

// s without leading and trailing ASCII white space.
std::string trim(const std::string& s);

}  // namespace evidence
