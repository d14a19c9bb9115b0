// Japan's national holidays (国民の祝日に関する法律): the 祝日 themselves, 振替休日 and
// 国民の休日, worked out by the law's rules as they stood in each year, for 2000 to 2099
// (rules.md §3.4). Built once on first use; every function is safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "form/wareki.h"

namespace evidence {

// First and last year the rules below are known to hold for.
constexpr int kFirstHolidayYear = 2000;
constexpr int kLastHolidayYear = 2099;

// The Japanese name of the national holiday on d ("元日", "成人の日", "振替休日", "国民の休日", …),
// or nullopt when d is none or its year lies outside 2000–2099 (nothing is known there, so a
// caller must not read nullopt as "a working day" for those years without saying so).
//
// What the rules cover, by year:
// - 成人の日 and 体育の日 on the 2nd Monday of January / October from 2000; 海の日 and 敬老の日
//   on the 3rd Monday of July / September from 2003 (7/20 and 9/15 before).
// - 4/29 みどりの日 until 2006, 昭和の日 from 2007, when みどりの日 moved to 5/4.
// - 山の日 8/11 from 2016. 天皇誕生日 12/23 until 2018, none in 2019, 2/23 from 2020.
// - 2019: 即位の日 5/1 and 即位礼正殿の儀 10/22. 体育の日 is スポーツの日 from 2020.
// - Olympic moves: 2020 海の日 7/23, スポーツの日 7/24, 山の日 8/10; 2021 海の日 7/22,
//   スポーツの日 7/23, 山の日 8/8 (a Sunday, so 8/9 is 振替休日); no October holiday either year.
// - 春分の日 and 秋分の日 by the standard formula for 1980–2099. Their official dates are
//   only fixed by the Cabinet Office's announcement (官報) each February for the next year;
//   the formula has matched every announced date, but a future announcement wins over it.
// - 振替休日: until 2006 the Monday after a 祝日 on a Sunday; from 2007 the first day after it
//   that is not a 祝日.
// - 国民の休日: a day, not a Sunday nor a 振替休日, whose day before and day after are both
//   祝日 (5/4 until 2006; 2019-04-30 and 05-02; a Tuesday in September in 2009, 2015, 2026 …).
std::optional<std::string> nationalHolidayName(const form::Date& d);

// Every national holiday of the year with its name, sorted by date; empty outside 2000–2099.
std::vector<std::pair<form::Date, std::string>> nationalHolidays(int year);

}  // namespace evidence
