#include <catch2/catch.hpp>

#include "common/csv.h"
#include "evidence/business_calendar.h"
#include "evidence/national_holidays.h"
#include "test_support.h"

#include <map>
#include <set>
#include <string>
#include <utility>

using namespace evidence;
using form::Date;

namespace {

Date iso(const char* s) { return *form::parseIsoDate(s); }

using HolidayList = std::set<std::pair<std::string, std::string>>;  // (ISO date, name)

// The Cabinet Office's tables for 2020–2027, typed in as test data (see the file's header).
HolidayList publishedTables() {
    HolidayList out;
    const auto lines =
        common::readCsv(testing_support::readFile(testing_support::sourcePath("tests/data/holidays/japan_2020_2027.csv")));
    bool header = true;
    for (const common::CsvLine& line : lines) {
        if (line.blankOrComment()) continue;
        REQUIRE(line.fields);
        REQUIRE(line.fields->size() == 2);
        if (header) {
            CHECK(line.fields->at(0) == "date");
            header = false;
            continue;
        }
        INFO("line " << line.number << ": " << line.text);
        REQUIRE(form::parseIsoDate(line.fields->at(0)));
        CHECK(out.emplace(line.fields->at(0), line.fields->at(1)).second);
    }
    return out;
}

std::string nameOn(const char* date) { return nationalHolidayName(iso(date)).value_or(""); }

}  // namespace

TEST_CASE("National holidays 2020-2027 equal the Cabinet Office's published tables, names included",
          "[evidence][holidays]") {
    const HolidayList published = publishedTables();
    // 2020–2027 have 16 to 21 holidays each; a short file would make the comparison weak.
    REQUIRE(published.size() == 143);

    HolidayList computed;
    for (int year = 2020; year <= 2027; ++year)
        for (const auto& [day, name] : nationalHolidays(year)) computed.emplace(isoDate(day), name);

    for (const auto& entry : published) {
        INFO("published " << entry.first << " " << entry.second);
        CHECK(computed.count(entry) == 1);
    }
    for (const auto& entry : computed) {
        INFO("computed " << entry.first << " " << entry.second);
        CHECK(published.count(entry) == 1);
    }
    for (const auto& [day, name] : published) {
        INFO(day);
        CHECK(nationalHolidayName(iso(day.c_str())) == name);
    }
}

TEST_CASE("National holidays before 2020 follow the law as it stood in each year", "[evidence][holidays]") {
    const std::map<std::string, std::string> expected = {
        // ハッピーマンデー: 成人の日 and 体育の日 from 2000, 海の日 and 敬老の日 from 2003.
        {"2000-01-10", "成人の日"},
        {"2000-01-15", ""},
        {"2000-10-09", "体育の日"},
        {"2000-10-10", ""},
        {"2002-07-20", "海の日"},
        {"2002-09-15", "敬老の日"},  // a Sunday
        {"2002-09-16", "振替休日"},
        {"2003-07-21", "海の日"},
        {"2003-07-20", ""},
        {"2004-09-20", "敬老の日"},
        {"2004-09-15", ""},
        // 春分の日 and 秋分の日 as announced.
        {"2000-03-20", "春分の日"},
        {"2000-09-23", "秋分の日"},
        {"2012-03-20", "春分の日"},
        {"2012-09-22", "秋分の日"},
        {"2016-03-20", "春分の日"},  // a Sunday
        {"2016-03-21", "振替休日"},
        // Until 2006: 4/29 みどりの日, 5/4 国民の休日 unless a Sunday, 振替休日 the Monday only.
        {"2002-05-04", "国民の休日"},  // a Saturday still counts
        {"2003-05-04", ""},           // a Sunday
        {"2003-05-05", "こどもの日"},
        {"2006-04-29", "みどりの日"},
        {"2006-05-04", "国民の休日"},
        {"2006-01-01", "元日"},
        {"2006-01-02", "振替休日"},
        {"2001-12-23", "天皇誕生日"},
        {"2001-12-24", "振替休日"},
        // From 2007: 昭和の日, みどりの日 on 5/4, 振替休日 the first day that is not a 祝日.
        {"2007-04-29", "昭和の日"},
        {"2007-04-30", "振替休日"},
        {"2007-05-04", "みどりの日"},
        {"2008-05-04", "みどりの日"},  // a Sunday; 5/5 is a 祝日, so 5/6
        {"2008-05-05", "こどもの日"},
        {"2008-05-06", "振替休日"},
        {"2009-05-03", "憲法記念日"},  // a Sunday
        {"2009-05-06", "振替休日"},
        {"2009-09-21", "敬老の日"},
        {"2009-09-22", "国民の休日"},
        {"2009-09-23", "秋分の日"},
        {"2015-09-22", "国民の休日"},
        // 山の日 from 2016.
        {"2015-08-11", ""},
        {"2016-08-11", "山の日"},
        // 天皇誕生日 12/23 until 2018, none in 2019.
        {"2018-12-23", "天皇誕生日"},
        {"2018-12-24", "振替休日"},
        {"2019-12-23", ""},
        {"2019-02-23", ""},
        // 2019: the accession.
        {"2019-04-29", "昭和の日"},
        {"2019-04-30", "国民の休日"},
        {"2019-05-01", "即位の日"},
        {"2019-05-02", "国民の休日"},
        {"2019-05-06", "振替休日"},
        {"2019-10-14", "体育の日"},
        {"2019-10-22", "即位礼正殿の儀"},
        // The Olympic years have no October holiday and no 7/20-ish 海の日 or 8/11 山の日.
        {"2020-10-12", ""},
        {"2021-10-11", ""},
        {"2020-07-20", ""},
        {"2020-08-11", ""},
        {"2021-07-19", ""},
        {"2021-08-11", ""},
        // Later 国民の休日 in September.
        {"2032-09-20", "敬老の日"},
        {"2032-09-21", "国民の休日"},
        {"2032-09-22", "秋分の日"},
    };
    for (const auto& [day, name] : expected) {
        INFO(day);
        CHECK(nameOn(day.c_str()) == name);
    }
}

TEST_CASE("National holidays are known for 2000 to 2099 and nothing is claimed outside",
          "[evidence][holidays]") {
    CHECK(nameOn("1999-01-01").empty());
    CHECK(nameOn("1999-12-23").empty());
    CHECK(nameOn("2000-01-01") == "元日");
    CHECK(nameOn("2099-01-01") == "元日");
    CHECK(nameOn("2099-11-23") == "勤労感謝の日");
    CHECK(nameOn("2100-01-01").empty());
    CHECK(nationalHolidays(1999).empty());
    CHECK(nationalHolidays(2100).empty());
}

TEST_CASE("Every year from 2000 to 2099 has a plausible, consistent holiday list", "[evidence][holidays]") {
    for (int year = kFirstHolidayYear; year <= kLastHolidayYear; ++year) {
        INFO("year " << year);
        const auto list = nationalHolidays(year);
        CHECK(list.size() >= 15);
        CHECK(list.size() <= 22);

        std::map<Date, std::string> byDate;
        int vernal = 0, autumnal = 0;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& [day, name] = list[i];
            INFO(isoDate(day) << " " << name);
            CHECK(day.year == year);
            if (i > 0) CHECK(list[i - 1].first < day);
            byDate[day] = name;
            if (name == "春分の日") {
                ++vernal;
                CHECK(day.month == 3);
                CHECK(day.day >= 19);
                CHECK(day.day <= 21);
            }
            if (name == "秋分の日") {
                ++autumnal;
                CHECK(day.month == 9);
                CHECK(day.day >= 21);
                CHECK(day.day <= 24);
            }
            if (name == "振替休日" || name == "国民の休日") CHECK(form::weekday(day) != 0);
            if (name == "振替休日") {
                // A Sunday 祝日 comes before it, with only holidays in between.
                Date back = addDays(day, -1);
                while (byDate.count(back) && form::weekday(back) != 0) back = addDays(back, -1);
                CHECK(form::weekday(back) == 0);
                CHECK(byDate.count(back) == 1);
            }
            if (name == "国民の休日") {
                CHECK(byDate.count(addDays(day, -1)) == 1);
                CHECK(nationalHolidayName(addDays(day, 1)));
            }
        }
        CHECK(vernal == 1);
        CHECK(autumnal == 1);

        // The lookup and the list agree on every day of the year.
        for (Date d{year, 1, 1}; d.year == year; d = addDays(d, 1)) {
            auto it = byDate.find(d);
            const auto name = nationalHolidayName(d);
            if (it == byDate.end()) {
                if (name) FAIL_CHECK(isoDate(d) << " named " << *name << " but not listed");
            } else {
                CHECK(name == it->second);
            }
        }
    }
}
