#include "evidence/business_calendar.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <vector>

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

}  // namespace

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

    for (const std::string& item : commaItems(holidays)) {
        auto date = form::parseIsoDate(item);
        if (!date)
            errors.push_back({"holidays", "bad_date", "holiday '" + item + "' is not a YYYY-MM-DD date"});
        else
            config.holidays.insert(*date);
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

bool BusinessCalendar::isBusinessDay(const form::Date& d) const {
    return config_.businessWeekdays.count(form::weekday(d)) > 0 && config_.holidays.count(d) == 0;
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
