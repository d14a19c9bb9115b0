// Dates as the sheets print them: 和暦 (Japanese era) conversion, ISO parsing
// and age in full years. Pure functions; thread-safe. See rules.md §3.
#pragma once

#include <optional>
#include <string>

namespace form {

struct Date {
    int year = 0;
    int month = 0;
    int day = 0;
    bool operator<(const Date& o) const;
    bool operator==(const Date& o) const { return year == o.year && month == o.month && day == o.day; }
};

struct TimeOfDay {
    int hour = 0;
    int minute = 0;
};

// Strict YYYY-MM-DD of a real calendar day; nullopt otherwise (2025-02-30 too).
std::optional<Date> parseIsoDate(const std::string& s);
// HH:MM with 00-23 and 00-59.
std::optional<TimeOfDay> parseTime(const std::string& s);
// The one place for dates and times: ISO 8601 with an offset, Japan time
// (UTC+9), 和暦. ISO date-time with an offset ("2025-04-01T14:30:00+09:00",
// seconds optional, "Z" allowed), converted to Japan time. nullopt when
// malformed or impossible.
struct DateTime {
    Date date;
    TimeOfDay time;
};
std::optional<DateTime> parseIsoDateTimeJst(const std::string& s);
// Seconds since the epoch of an ISO date-time with an offset, also as other
// programs write it (a fraction of a second, "+0900"). nullopt when malformed.
std::optional<long long> parseIsoEpochSeconds(const std::string& s);
// Microseconds since the epoch of a date and time in Japan time (UTC+9).
long long jstEpochMicroseconds(const Date& d, const TimeOfDay& t = {});

bool isValidDate(int year, int month, int day);
// Earliest date the era table converts day-for-day (明治6年1月1日, rules.md §3.1).
constexpr Date kEarliestConvertibleDate{1873, 1, 1};

// 令和7年4月1日; the first year of an era prints 元年. Dates before 1873 are
// out of range and print as ISO.
std::string formatWareki(const Date& d);
// Reads a date as people type it into a spreadsheet cell: ISO 2025-04-01,
// 2025/4/1, 和暦 令和7年4月1日 (元年, full-width digits, spaces and a
// trailing 生 allowed) or R7.4.1 / R7/4/1. nullopt when it is none of these,
// the day does not exist, or the era year lies outside its era.
std::optional<Date> parseDateText(const std::string& s);
// R7.4.1 for narrow cells.
std::string formatWarekiShort(const Date& d);
// 令和7年4月1日 14時30分
std::string formatWarekiDateTime(const DateTime& dt);
// 14時30分
std::string formatTime(const TimeOfDay& t);
// Day of week in Japanese (日 月 火 水 木 金 土).
std::string weekdayJa(const Date& d);
int weekday(const Date& d);  // 0 = Sunday

// Day arithmetic on the proleptic Gregorian calendar: days since 1970-01-01.
long long daysSinceEpoch(const Date& d);
Date dateFromDays(long long days);

// Full years (満年齢) on asOf, counted from the birthday.
int ageOn(const Date& birth, const Date& asOf);

}  // namespace form
