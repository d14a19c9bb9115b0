#include "evidence/business_calendar.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <vector>

#include "evidence/national_holidays.h"

namespace evidence {
namespace {

using common::FieldError;
using common::Status;


std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Non-empty trimmed items of a comma list; empty items (a trailing comma) are skipped.
std::vector<std::string> commaItems(const std::string& list) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = trim(list.substr(start, end - start));
        if (!item.empty()) items.push_back(item);
        start = end + 1;
    }
    return items;
}

int minutesOf(const form::TimeOfDay& t) { return t.hour * 60 + t.minute; }

bool isSeparator(char c) { return c == ',' || c == ';' || std::isspace(static_cast<unsigned char>(c)); }

// The items of a closed-days list. White space next to ".." is dropped first, so that
// "12-29 .. 01-03" stays one item although spaces separate items too.
std::vector<std::string> closedDayItems(const std::string& text) {
    std::string joined;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "..") == 0) {
            while (!joined.empty() && std::isspace(static_cast<unsigned char>(joined.back()))) joined.pop_back();
            joined += "..";
            i += 2;
            while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
            --i;
        } else {
            joined += text[i];
        }
    }
    std::vector<std::string> items;
    std::string item;
    for (char c : joined) {
        if (!isSeparator(c)) {
            item += c;
        } else if (!item.empty()) {
            items.push_back(item);
            item.clear();
        }
    }
    if (!item.empty()) items.push_back(item);
    return items;
}

using MonthDay = std::pair<int, int>;

// Strict "MM-DD" of a day that exists in a leap year (02-29 included).
std::optional<MonthDay> parseMonthDay(const std::string& s) {
    if (s.size() != 5 || s[2] != '-') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    const int month = (s[0] - '0') * 10 + (s[1] - '0');
    const int day = (s[3] - '0') * 10 + (s[4] - '0');
    if (!form::isValidDate(2000, month, day)) return std::nullopt;
    return MonthDay{month, day};
}

// The 366 (month, day) pairs of a leap year in calendar order, for walking annual ranges.
const std::vector<MonthDay>& monthDaysOfYear() {
    static const std::vector<MonthDay> days = [] {
        std::vector<MonthDay> all;
        for (form::Date d{2000, 1, 1}; d.year == 2000; d = addDays(d, 1)) all.emplace_back(d.month, d.day);
        return all;
    }();
    return days;
}

// Adds the annual days from..to, both included, wrapping past 12-31 when to comes first.
void addAnnualRange(const MonthDay& from, const MonthDay& to, std::set<MonthDay>& out) {
    const std::vector<MonthDay>& days = monthDaysOfYear();
    std::size_t i = static_cast<std::size_t>(std::find(days.begin(), days.end(), from) - days.begin());
    for (;;) {
        out.insert(days[i]);
        if (days[i] == to) return;
        i = (i + 1) % days.size();
    }
}

constexpr int kMaxClosedRangeDays = 366;

}  // namespace

common::Result<ClosedDays> parseClosedDays(const std::string& text) {
    ClosedDays result;
    std::vector<FieldError> errors;
    auto bad = [&](const std::string& code, const std::string& message) {
        errors.push_back({"closed_days", code, message});
    };

    for (const std::string& item : closedDayItems(text)) {
        const std::size_t dots = item.find("..");
        if (dots == std::string::npos) {
            if (auto date = form::parseIsoDate(item))
                result.dates.insert(*date);
            else if (auto monthDay = parseMonthDay(item))
                result.annual.insert(*monthDay);
            else
                bad("bad_date", "closed day '" + item + "' is not YYYY-MM-DD, MM-DD or a range A..B");
            continue;
        }
        const std::string first = item.substr(0, dots), last = item.substr(dots + 2);
        const auto firstDate = form::parseIsoDate(first), lastDate = form::parseIsoDate(last);
        const auto firstDay = parseMonthDay(first), lastDay = parseMonthDay(last);
        if (firstDate && lastDate) {
            const int length = daysBetween(*firstDate, *lastDate) + 1;
            if (length < 1)
                bad("reversed_range", "closed-day range '" + item + "' ends before it starts");
            else if (length > kMaxClosedRangeDays)
                bad("range_too_long", "closed-day range '" + item + "' is longer than " +
                                          std::to_string(kMaxClosedRangeDays) + " days");
            else
                for (form::Date d = *firstDate; !(*lastDate < d); d = addDays(d, 1)) result.dates.insert(d);
        } else if (firstDay && lastDay) {
            addAnnualRange(*firstDay, *lastDay, result.annual);
        } else if ((firstDate || firstDay) && (lastDate || lastDay)) {
            bad("mixed_range", "closed-day range '" + item + "' mixes YYYY-MM-DD and MM-DD ends");
        } else {
            bad("bad_date", "closed-day range '" + item + "' does not have two YYYY-MM-DD or two MM-DD ends");
        }
    }

    if (!errors.empty()) {
        std::string message = "closed days:";
        for (const FieldError& e : errors) message += " " + e.message + ";";
        message.pop_back();
        return Status::invalidArgument(message, errors);
    }
    return result;
}

common::Result<BusinessCalendarConfig> parseBusinessCalendarConfig(const std::string& weekdays,
                                                                   const std::string& open,
                                                                   const std::string& close,
                                                                   const std::string& holidays) {
    static const std::map<std::string, int> kWeekdays = {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3},
                                                         {"thu", 4}, {"fri", 5}, {"sat", 6}};
    BusinessCalendarConfig config;
    std::vector<FieldError> errors;

    config.businessWeekdays.clear();
    for (const std::string& item : commaItems(weekdays)) {
        auto it = kWeekdays.find(lower(item));
        if (it == kWeekdays.end())
            errors.push_back({"business_days", "unknown_weekday", "unknown weekday '" + item + "'"});
        else
            config.businessWeekdays.insert(it->second);
    }
    if (config.businessWeekdays.empty() && errors.empty())
        errors.push_back({"business_days", "required", "no business day given"});

    auto openTime = form::parseTime(trim(open));
    if (!openTime) errors.push_back({"business_open", "bad_time", "opening time '" + open + "' is not HH:MM"});
    auto closeTime = form::parseTime(trim(close));
    if (!closeTime) errors.push_back({"business_close", "bad_time", "closing time '" + close + "' is not HH:MM"});
    if (openTime && closeTime && minutesOf(*openTime) >= minutesOf(*closeTime))
        errors.push_back({"business_close", "before_open",
                          "closing time '" + close + "' is not after opening time '" + open + "'"});

    auto closed = parseClosedDays(holidays);
    if (closed) {
        config.holidays = closed.value().dates;
        config.annualClosedDays = closed.value().annual;
    } else {
        for (FieldError e : closed.status().fieldErrors()) {
            e.field = "holidays";
            errors.push_back(e);
        }
    }

    if (!errors.empty()) {
        std::string message = "business calendar:";
        for (const FieldError& e : errors) message += " " + e.field + ": " + e.message + ";";
        message.pop_back();
        return Status::invalidArgument(message, errors);
    }
    config.open = *openTime;
    config.close = *closeTime;
    return config;
}

bool BusinessCalendar::isBusinessDay(const form::Date& d) const { return !closedReason(d); }

std::optional<std::string> BusinessCalendar::closedReason(const form::Date& d) const {
    if (config_.nationalHolidays)
        if (auto name = nationalHolidayName(d)) return name;
    if (config_.holidays.count(d) || config_.annualClosedDays.count({d.month, d.day})) return std::string("事業所休業日");
    if (!config_.businessWeekdays.count(form::weekday(d))) return std::string("定休日");
    return std::nullopt;
}

bool BusinessCalendar::isAfterHours(const form::DateTime& at) const {
    if (!isBusinessDay(at.date)) return true;
    const int minute = minutesOf(at.time);
    return minute < minutesOf(config_.open) || minute >= minutesOf(config_.close);
}

std::optional<form::Date> BusinessCalendar::nextBusinessDayAfter(const form::Date& d) const {
    for (int i = 1; i <= 366; ++i) {
        form::Date candidate = addDays(d, i);
        if (isBusinessDay(candidate)) return candidate;
    }
    return std::nullopt;
}

form::Date addDays(const form::Date& d, int days) { return form::dateFromDays(form::daysSinceEpoch(d) + days); }

int daysBetween(const form::Date& from, const form::Date& to) {
    return static_cast<int>(form::daysSinceEpoch(to) - form::daysSinceEpoch(from));
}

std::string isoDate(const form::Date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

std::string trim(const std::string& s) {
    auto first = std::find_if_not(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
    auto last = std::find_if_not(s.rbegin(), s.rend(), [](unsigned char c) { return std::isspace(c); }).base();
    return first < last ? std::string(first, last) : std::string();
}

}  // namespace evidence
