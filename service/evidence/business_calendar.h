// The office's business days and hours (営業日・営業時間, from its 運営規程) with
// its holidays, which decide the after-hours extensions of the admission add-on
// (rules.md §2.1). A BusinessCalendar is immutable; share it between threads freely.
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
    // Days the office is closed although the weekday is a business day (祝日, 年末年始).
    std::set<form::Date> holidays;
};

// Reads the settings text: weekdays as "mon,tue,wed,thu,fri" (English three-letter names,
// any case, spaces allowed), open and close as "HH:MM", holidays as a comma list of ISO
// dates ("2025-12-29,2025-12-30"; empty for none). Returns InvalidArgument naming every bad
// item, with one FieldError per item (fields "business_days", "business_open",
// "business_close", "holidays"); an empty weekday list and open not before close are errors.
common::Result<BusinessCalendarConfig> parseBusinessCalendarConfig(const std::string& weekdays,
                                                                   const std::string& open,
                                                                   const std::string& close,
                                                                   const std::string& holidays);

class BusinessCalendar {
public:
    BusinessCalendar() = default;  // Monday to Friday, 9:00–18:00, no holidays
    explicit BusinessCalendar(BusinessCalendarConfig config) : config_(std::move(config)) {}

    // True on a business weekday that is not a holiday.
    bool isBusinessDay(const form::Date& d) const;
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
