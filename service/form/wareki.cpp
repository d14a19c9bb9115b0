#include "form/wareki.h"

#include <cctype>
#include <cstdio>
#include <regex>

namespace form {
namespace {

struct Era {
    const char* name;
    const char* initial;
    Date first;
};

// rules.md §3.1. Ordered newest first for lookup.
const Era kEras[] = {
    {"令和", "R", {2019, 5, 1}},
    {"平成", "H", {1989, 1, 8}},
    {"昭和", "S", {1926, 12, 25}},
    {"大正", "T", {1912, 7, 30}},
    {"明治", "M", {1868, 1, 1}},
};

const Era* eraOf(const Date& d) {
    for (const Era& era : kEras)
        if (!(d < era.first)) return &era;
    return nullptr;
}

// Full-width digits and spaces as ASCII; 元 as 1.
std::string normalizeDateText(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
            static_cast<unsigned char>(s[i + 2]) >= 0x90 && static_cast<unsigned char>(s[i + 2]) <= 0x99) {
            out += static_cast<char>('0' + static_cast<unsigned char>(s[i + 2]) - 0x90);  // ０-９
            i += 3;
        } else if (s.compare(i, 3, "元") == 0) {
            out += '1';
            i += 3;
        } else if (s.compare(i, 3, "\u3000") == 0 || c == ' ') {
            i += c == ' ' ? 1 : 3;
        } else {
            out += s[i++];
        }
    }
    return out;
}

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::string isoOf(const Date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

// Days since 1970-01-01 (proleptic Gregorian), for time-zone shifts.
long long daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date civilFromDays(long long z) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long y = yoe + era * 400;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp + (mp < 10 ? 3 : -9));
    return Date{static_cast<int>(y + (m <= 2)), m, d};
}

}  // namespace

bool Date::operator<(const Date& o) const {
    if (year != o.year) return year < o.year;
    if (month != o.month) return month < o.month;
    return day < o.day;
}

bool isValidDate(int year, int month, int day) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
    int max = kDays[month - 1] + (month == 2 && isLeap(year) ? 1 : 0);
    return day <= max;
}

std::optional<Date> parseIsoDate(const std::string& s) {
    static const std::regex kPattern("^(\\d{4})-(\\d{2})-(\\d{2})$");
    std::smatch m;
    if (!std::regex_match(s, m, kPattern)) return std::nullopt;
    Date d{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
    if (!isValidDate(d.year, d.month, d.day)) return std::nullopt;
    return d;
}

std::optional<TimeOfDay> parseTime(const std::string& s) {
    static const std::regex kPattern("^(\\d{2}):(\\d{2})$");
    std::smatch m;
    if (!std::regex_match(s, m, kPattern)) return std::nullopt;
    TimeOfDay t{std::stoi(m[1]), std::stoi(m[2])};
    if (t.hour > 23 || t.minute > 59) return std::nullopt;
    return t;
}

namespace {

// Seconds since the epoch of an ISO 8601 date-time with its offset. strict:
// what the API accepts (seconds optional, "Z" or "+hh:mm"); otherwise also a
// fraction of a second and "+hhmm", as other programs write them.
std::optional<long long> isoEpochSeconds(const std::string& s, bool strict) {
    static const std::regex kStrict(
        "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2}))?(Z|([+-])(\\d{2}):(\\d{2}))$");
    static const std::regex kLenient(
        "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?(Z|([+-])(\\d{2}):?(\\d{2}))$");
    std::smatch m;
    if (!std::regex_match(s, m, strict ? kStrict : kLenient)) return std::nullopt;
    int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
    int h = std::stoi(m[4]), mi = std::stoi(m[5]), sec = m[6].matched ? std::stoi(m[6]) : 0;
    if (!isValidDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    int offsetMin = 0;
    if (m[7] != "Z") {
        int oh = std::stoi(m[9]), om = std::stoi(m[10]);
        if (oh > 14 || om > 59) return std::nullopt;
        offsetMin = (oh * 60 + om) * (m[8] == "-" ? -1 : 1);
    }
    return (daysFromCivil(y, mo, d) * 1440 + h * 60 + mi - offsetMin) * 60LL + sec;
}

}  // namespace

std::optional<DateTime> parseIsoDateTimeJst(const std::string& s) {
    auto seconds = isoEpochSeconds(s, true);
    if (!seconds) return std::nullopt;
    // Japan time is UTC+9 all year (no daylight saving since 1951).
    const long long secs = *seconds;
    long long minutes = (secs >= 0 ? secs / 60 : (secs - 59) / 60) + 9 * 60;
    long long days = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440;
    int rem = static_cast<int>(minutes - days * 1440);
    return DateTime{civilFromDays(days), TimeOfDay{rem / 60, rem % 60}};
}

std::optional<long long> parseIsoEpochSeconds(const std::string& s) { return isoEpochSeconds(s, false); }

long long jstEpochMicroseconds(const Date& d, const TimeOfDay& t) {
    const long long minutes = daysFromCivil(d.year, d.month, d.day) * 1440 + t.hour * 60 + t.minute - 9 * 60;
    return minutes * 60 * 1000000LL;
}

std::string formatWareki(const Date& d) {
    const Era* era = d < kEarliestConvertibleDate ? nullptr : eraOf(d);
    if (!era) return isoOf(d);
    int year = d.year - era->first.year + 1;
    std::string y = year == 1 ? "元" : std::to_string(year);
    return std::string(era->name) + y + "年" + std::to_string(d.month) + "月" + std::to_string(d.day) + "日";
}

std::optional<Date> parseDateText(const std::string& text) {
    const std::string s = normalizeDateText(text);
    if (auto iso = parseIsoDate(s)) return iso;
    static const std::regex kSlash(R"(^(\d{4})/(\d{1,2})/(\d{1,2})$)");
    static const std::regex kKanji(R"(^(令和|平成|昭和|大正|明治)(\d{1,2})年(\d{1,2})月(\d{1,2})日(生)?$)");
    static const std::regex kShort(R"(^([RHSTMrhstm])(\d{1,2})[./](\d{1,2})[./](\d{1,2})$)");
    std::smatch m;
    if (std::regex_match(s, m, kSlash)) {
        Date d{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
        if (isValidDate(d.year, d.month, d.day)) return d;
        return std::nullopt;
    }
    const Era* era = nullptr;
    if (std::regex_match(s, m, kKanji)) {
        for (const Era& e : kEras)
            if (m[1] == e.name) era = &e;
    } else if (std::regex_match(s, m, kShort)) {
        const char initial = static_cast<char>(std::toupper(static_cast<unsigned char>(m[1].str()[0])));
        for (const Era& e : kEras)
            if (e.initial[0] == initial) era = &e;
    }
    if (!era) return std::nullopt;
    const int eraYear = std::stoi(m[2]);
    Date d{era->first.year + eraYear - 1, std::stoi(m[3]), std::stoi(m[4])};
    if (eraYear < 1 || !isValidDate(d.year, d.month, d.day) || d < era->first) return std::nullopt;
    const Era* actual = eraOf(d);
    if (actual != era) return std::nullopt;  // 平成32年 is not a date
    return d;
}

std::string formatWarekiShort(const Date& d) {
    const Era* era = d < kEarliestConvertibleDate ? nullptr : eraOf(d);
    if (!era) return isoOf(d);
    int year = d.year - era->first.year + 1;
    return std::string(era->initial) + std::to_string(year) + "." + std::to_string(d.month) + "." +
           std::to_string(d.day);
}

std::string formatTime(const TimeOfDay& t) {
    // Minutes keep two digits, as forms print them: 14時05分, 14時00分.
    return std::to_string(t.hour) + "時" + (t.minute < 10 ? "0" : "") + std::to_string(t.minute) + "分";
}

std::string formatWarekiDateTime(const DateTime& dt) { return formatWareki(dt.date) + " " + formatTime(dt.time); }

int weekday(const Date& d) {
    long long days = daysFromCivil(d.year, d.month, d.day);  // 1970-01-01 was a Thursday
    return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

std::string weekdayJa(const Date& d) {
    static const char* kNames[] = {"日", "月", "火", "水", "木", "金", "土"};
    return kNames[weekday(d)];
}

long long daysSinceEpoch(const Date& d) { return daysFromCivil(d.year, d.month, d.day); }

Date dateFromDays(long long days) { return civilFromDays(days); }

int ageOn(const Date& birth, const Date& asOf) {
    int age = asOf.year - birth.year;
    if (asOf.month < birth.month || (asOf.month == birth.month && asOf.day < birth.day)) --age;
    return age;
}

}  // namespace form
