#include "evidence/national_holidays.h"

#include <cmath>
#include <map>

namespace evidence {
namespace {

using form::Date;
using HolidayMap = std::map<Date, std::string>;

Date shift(const Date& d, int days) { return form::dateFromDays(form::daysSinceEpoch(d) + days); }

// The n-th Monday (n from 1) of the month: the ハッピーマンデー holidays.
Date nthMonday(int year, int month, int n) {
    const int firstWeekday = form::weekday(Date{year, month, 1});
    const int firstMonday = 1 + (8 - firstWeekday) % 7;
    return Date{year, month, firstMonday + 7 * (n - 1)};
}

// Day of the month of the vernal (base 20.8431) or autumnal (base 23.2488) equinox in Japan
// time. The formula tracks the tropical year (0.242194 days a year beyond 365) from 1980 and
// takes a day back every leap year; it holds from 1980 to 2099.
int equinoxDay(int year, double base) {
    const int since1980 = year - 1980;
    return static_cast<int>(std::floor(base + 0.242194 * since1980 - since1980 / 4));
}

// The 祝日 themselves ("国民の祝日"), before 振替休日 and 国民の休日, with the law as it stood in
// that year: the 2000 and 2003 ハッピーマンデー amendments, the 2007 昭和の日 amendment, 山の日
// from 2016, the 2019 accession and the 2020–2021 Olympic special measures.
HolidayMap statutoryHolidays(int y) {
    HolidayMap h;
    auto on = [&](int month, int day, const char* name) { h[Date{y, month, day}] = name; };
    auto onDate = [&](const Date& d, const char* name) { h[d] = name; };

    on(1, 1, "元日");
    onDate(nthMonday(y, 1, 2), "成人の日");
    on(2, 11, "建国記念の日");
    if (y >= 2020) on(2, 23, "天皇誕生日");
    on(3, equinoxDay(y, 20.8431), "春分の日");
    on(4, 29, y <= 2006 ? "みどりの日" : "昭和の日");
    if (y == 2019) on(5, 1, "即位の日");
    on(5, 3, "憲法記念日");
    if (y >= 2007) on(5, 4, "みどりの日");
    on(5, 5, "こどもの日");

    if (y <= 2002)
        on(7, 20, "海の日");
    else if (y == 2020)
        on(7, 23, "海の日");
    else if (y == 2021)
        on(7, 22, "海の日");
    else
        onDate(nthMonday(y, 7, 3), "海の日");

    if (y == 2020)
        on(7, 24, "スポーツの日");
    else if (y == 2021)
        on(7, 23, "スポーツの日");

    if (y == 2020)
        on(8, 10, "山の日");
    else if (y == 2021)
        on(8, 8, "山の日");
    else if (y >= 2016)
        on(8, 11, "山の日");

    if (y <= 2002)
        on(9, 15, "敬老の日");
    else
        onDate(nthMonday(y, 9, 3), "敬老の日");
    on(9, equinoxDay(y, 23.2488), "秋分の日");

    if (y <= 2019)
        onDate(nthMonday(y, 10, 2), "体育の日");
    else if (y >= 2022)
        onDate(nthMonday(y, 10, 2), "スポーツの日");
    if (y == 2019) on(10, 22, "即位礼正殿の儀");

    on(11, 3, "文化の日");
    on(11, 23, "勤労感謝の日");
    if (y <= 2018) on(12, 23, "天皇誕生日");
    return h;
}

// One year's holidays: the 祝日, then 振替休日, then 国民の休日 (which the law defines against the
// 祝日 only, and which until 2006 explicitly excluded a day already a 振替休日).
HolidayMap holidaysOfYear(int y) {
    const HolidayMap statutory = statutoryHolidays(y);
    HolidayMap all = statutory;

    for (const auto& [day, name] : statutory) {
        if (form::weekday(day) != 0) continue;
        Date substitute = shift(day, 1);
        // From 2007 the substitute skips on past further 祝日 (5/3 on a Sunday gives 5/6); before,
        // it was the Monday only, and a Monday that was itself a 祝日 gave nothing more.
        if (y >= 2007)
            while (statutory.count(substitute)) substitute = shift(substitute, 1);
        if (!statutory.count(substitute)) all.emplace(substitute, "振替休日");
    }

    for (auto it = statutory.begin(), next = it; it != statutory.end(); it = next) {
        if (++next == statutory.end()) break;
        if (form::daysSinceEpoch(next->first) - form::daysSinceEpoch(it->first) != 2) continue;
        const Date between = shift(it->first, 1);
        // A Sunday is a day off already, and the Cabinet Office tables do not list it.
        if (form::weekday(between) != 0 && !all.count(between)) all.emplace(between, "国民の休日");
    }
    return all;
}

const HolidayMap& allHolidays() {
    static const HolidayMap table = [] {
        HolidayMap t;
        for (int y = kFirstHolidayYear; y <= kLastHolidayYear; ++y) {
            HolidayMap year = holidaysOfYear(y);
            t.insert(year.begin(), year.end());
        }
        return t;
    }();
    return table;
}

}  // namespace

std::optional<std::string> nationalHolidayName(const form::Date& d) {
    if (d.year < kFirstHolidayYear || d.year > kLastHolidayYear) return std::nullopt;
    const HolidayMap& table = allHolidays();
    auto it = table.find(d);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

std::vector<std::pair<form::Date, std::string>> nationalHolidays(int year) {
    std::vector<std::pair<form::Date, std::string>> out;
    if (year < kFirstHolidayYear || year > kLastHolidayYear) return out;
    const HolidayMap& table = allHolidays();
    for (auto it = table.lower_bound(Date{year, 1, 1}); it != table.end() && it->first.year == year; ++it)
        out.emplace_back(it->first, it->second);
    return out;
}

}  // namespace evidence
