#include <catch2/catch.hpp>

#include "evidence/business_calendar.h"

#include <string>
#include <vector>

using namespace evidence;
using form::Date;

namespace {

Date iso(const char* s) { return *form::parseIsoDate(s); }

using MonthDays = std::set<std::pair<int, int>>;

// The office of rules.md §2.1, Monday to Friday 9:00–18:00, closed on 年末年始 every year.
BusinessCalendarConfig yearEndOffice() {
    BusinessCalendarConfig config;
    config.annualClosedDays = parseClosedDays("12-29..01-03").value().annual;
    return config;
}

bool errorNames(const common::Status& status, const std::string& code, const std::string& item) {
    for (const common::FieldError& e : status.fieldErrors())
        if (e.field == "closed_days" && e.code == code && e.message.find("'" + item + "'") != std::string::npos)
            return true;
    return false;
}

}  // namespace

// ---- parseClosedDays ---------------------------------------------------------------------

TEST_CASE("Closed days parse dates, annual days and ranges with any separator", "[evidence][calendar]") {
    auto closed = parseClosedDays("2026-05-07, 08-13..08-15;2025-12-30..2026-01-02\n05-01 \t 02-29");
    REQUIRE(closed);
    CHECK(closed->dates == std::set<Date>{iso("2025-12-30"), iso("2025-12-31"), iso("2026-01-01"), iso("2026-01-02"),
                                          iso("2026-05-07")});
    CHECK(closed->annual == MonthDays{{2, 29}, {5, 1}, {8, 13}, {8, 14}, {8, 15}});

    for (const char* empty : {"", " ", " , ;\n"}) {
        auto none = parseClosedDays(empty);
        REQUIRE(none);
        CHECK(none->dates.empty());
        CHECK(none->annual.empty());
    }
}

TEST_CASE("An annual closed-day range may wrap the year end", "[evidence][calendar]") {
    for (const char* text : {"12-29..01-03", "12-29 .. 01-03", "12-29 ..01-03,"}) {
        INFO(text);
        auto closed = parseClosedDays(text);
        REQUIRE(closed);
        CHECK(closed->annual == MonthDays{{12, 29}, {12, 30}, {12, 31}, {1, 1}, {1, 2}, {1, 3}});
        CHECK(closed->dates.empty());
    }
    CHECK(parseClosedDays("05-01..05-01").value().annual == MonthDays{{5, 1}});
    // Across the end of February the leap day is included; a range can cover the whole year.
    CHECK(parseClosedDays("02-28..03-01").value().annual == MonthDays{{2, 28}, {2, 29}, {3, 1}});
    CHECK(parseClosedDays("01-02..01-01").value().annual.size() == 366);
}

TEST_CASE("Dated closed-day ranges are limited to 366 days", "[evidence][calendar]") {
    auto leapYear = parseClosedDays("2024-01-01..2024-12-31");
    REQUIRE(leapYear);
    CHECK(leapYear->dates.size() == 366);
    CHECK(*leapYear->dates.begin() == iso("2024-01-01"));
    CHECK(*leapYear->dates.rbegin() == iso("2024-12-31"));

    auto tooLong = parseClosedDays("2024-01-01..2025-01-01");
    REQUIRE_FALSE(tooLong);
    CHECK(errorNames(tooLong.status(), "range_too_long", "2024-01-01..2025-01-01"));
    auto huge = parseClosedDays("2000-01-01..9999-12-31");
    REQUIRE_FALSE(huge);
    CHECK(errorNames(huge.status(), "range_too_long", "2000-01-01..9999-12-31"));
}

TEST_CASE("Bad closed days are refused naming every bad item", "[evidence][calendar]") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"2025-13-01", "bad_date"},
        {"2025-02-29", "bad_date"},
        {"02-30", "bad_date"},
        {"12-32", "bad_date"},
        {"1-3", "bad_date"},
        {"2025-1-3", "bad_date"},
        {"年末年始", "bad_date"},
        {"12-29..", "bad_date"},
        {"..01-03", "bad_date"},
        {"12-29..01-03..01-05", "bad_date"},
        {"2025-12-29..01-03", "mixed_range"},
        {"12-29..2026-01-03", "mixed_range"},
        {"2026-01-03..2025-12-29", "reversed_range"},
    };
    std::string text = "2026-05-07";  // a good item among them changes nothing
    for (const auto& item : bad) text += ", " + item.first;

    auto closed = parseClosedDays(text);
    REQUIRE_FALSE(closed);
    CHECK(closed.status().code() == common::Status::Code::InvalidArgument);
    CHECK(closed.status().fieldErrors().size() == bad.size());
    for (const auto& [item, code] : bad) {
        INFO(item);
        CHECK(errorNames(closed.status(), code, item));
        CHECK(closed.status().message().find("'" + item + "'") != std::string::npos);
    }
}

TEST_CASE("The holidays setting takes the closed-days syntax and reports its errors as holidays",
          "[evidence][calendar]") {
    auto config = parseBusinessCalendarConfig("mon,tue,wed,thu,fri", "09:00", "18:00", "12-29..01-03, 2026-05-07");
    REQUIRE(config);
    CHECK(config->nationalHolidays);
    CHECK(config->holidays == std::set<Date>{iso("2026-05-07")});
    CHECK(config->annualClosedDays == MonthDays{{12, 29}, {12, 30}, {12, 31}, {1, 1}, {1, 2}, {1, 3}});

    auto bad = parseBusinessCalendarConfig("mon", "09:00", "18:00", "12-29..2026-01-03 13-01");
    REQUIRE_FALSE(bad);
    REQUIRE(bad.status().fieldErrors().size() == 2);
    CHECK(bad.status().fieldErrors()[0].field == "holidays");
    CHECK(bad.status().fieldErrors()[0].code == "mixed_range");
    CHECK(bad.status().fieldErrors()[1].field == "holidays");
    CHECK(bad.status().message().find("'13-01'") != std::string::npos);
}

// ---- business days -----------------------------------------------------------------------

TEST_CASE("National holidays are closed by default and an office can open on them", "[evidence][calendar]") {
    BusinessCalendar calendar;
    CHECK_FALSE(calendar.isBusinessDay(iso("2026-01-12")));  // 成人の日, a Monday
    CHECK(calendar.closedReason(iso("2026-01-12")) == std::string("成人の日"));
    CHECK(calendar.isBusinessDay(iso("2026-01-13")));
    CHECK_FALSE(calendar.closedReason(iso("2026-01-13")));
    CHECK(calendar.closedReason(iso("2026-01-10")) == std::string("定休日"));  // Saturday
    CHECK(calendar.closedReason(iso("2026-09-22")) == std::string("国民の休日"));
    CHECK(calendar.closedReason(iso("2025-11-24")) == std::string("振替休日"));
    CHECK(calendar.isAfterHours({iso("2026-01-12"), {10, 0}}));
    CHECK(*calendar.nextBusinessDayAfter(iso("2026-01-09")) == iso("2026-01-13"));

    BusinessCalendarConfig open;
    open.nationalHolidays = false;
    BusinessCalendar openOnHolidays(open);
    CHECK(openOnHolidays.isBusinessDay(iso("2026-01-12")));
    CHECK_FALSE(openOnHolidays.isAfterHours({iso("2026-01-12"), {10, 0}}));
    CHECK(*openOnHolidays.nextBusinessDayAfter(iso("2026-01-09")) == iso("2026-01-12"));

    // Outside 2000–2099 no national holiday is known, so New Year's Day 2100 (a Friday) is open.
    CHECK(calendar.isBusinessDay(iso("2100-01-01")));
}

TEST_CASE("A Saturday national holiday closes an office that opens on Saturdays", "[evidence][calendar]") {
    BusinessCalendarConfig config;
    config.businessWeekdays = {1, 2, 3, 4, 5, 6};
    BusinessCalendar calendar(config);
    CHECK(calendar.closedReason(iso("2025-05-03")) == std::string("憲法記念日"));
    CHECK(calendar.closedReason(iso("2025-05-04")) == std::string("みどりの日"));  // a Sunday, named all the same
    CHECK(*calendar.nextBusinessDayAfter(iso("2025-05-02")) == iso("2025-05-07"));
    CHECK(calendar.isBusinessDay(iso("2025-05-10")));
}

TEST_CASE("The office's annual and dated closed days add to the national holidays", "[evidence][calendar]") {
    BusinessCalendarConfig config = yearEndOffice();
    config.holidays = {iso("2026-05-07")};
    BusinessCalendar calendar(config);

    // 12/27–28 weekend, 12/29–1/3 年末年始 (1/1 元日 too), 1/4 Sunday.
    CHECK(*calendar.nextBusinessDayAfter(iso("2025-12-26")) == iso("2026-01-05"));
    CHECK(calendar.closedReason(iso("2025-12-29")) == std::string("事業所休業日"));
    CHECK(calendar.closedReason(iso("2026-01-01")) == std::string("元日"));
    CHECK(calendar.closedReason(iso("2026-01-02")) == std::string("事業所休業日"));
    // The annual days recur: 2027's 年末年始 is closed without listing it again.
    CHECK_FALSE(calendar.isBusinessDay(iso("2027-12-29")));
    CHECK(calendar.isBusinessDay(iso("2027-12-28")));
    CHECK(*calendar.nextBusinessDayAfter(iso("2027-12-28")) == iso("2028-01-04"));
    // Golden Week: 5/2–3 weekend, 5/4–6 national holidays (5/6 振替休日), 5/7 the office's own.
    CHECK(*calendar.nextBusinessDayAfter(iso("2026-05-01")) == iso("2026-05-08"));
    CHECK(calendar.closedReason(iso("2026-05-07")) == std::string("事業所休業日"));
    CHECK(calendar.isBusinessDay(iso("2027-05-07")));  // a dated closed day does not recur

    config.nationalHolidays = false;
    BusinessCalendar ownDaysOnly(config);
    CHECK(ownDaysOnly.closedReason(iso("2026-01-01")) == std::string("事業所休業日"));
    CHECK(*ownDaysOnly.nextBusinessDayAfter(iso("2026-05-01")) == iso("2026-05-04"));
}

TEST_CASE("closedReason is empty exactly on business days", "[evidence][calendar]") {
    BusinessCalendarConfig config = yearEndOffice();
    config.holidays = {iso("2026-08-14")};
    config.businessWeekdays = {1, 2, 3, 4, 5, 6};
    BusinessCalendar calendar(config);
    int open = 0;
    for (Date d = iso("2025-12-01"); d < iso("2027-01-31"); d = addDays(d, 1)) {
        INFO(isoDate(d));
        CHECK(calendar.isBusinessDay(d) == !calendar.closedReason(d));
        open += calendar.isBusinessDay(d) ? 1 : 0;
    }
    CHECK(open > 300);
    CHECK(open < 370);
}

TEST_CASE("A calendar closed all year has no next business day", "[evidence][calendar]") {
    BusinessCalendarConfig config;
    config.annualClosedDays = parseClosedDays("01-01..12-31").value().annual;
    BusinessCalendar calendar(config);
    CHECK_FALSE(calendar.isBusinessDay(iso("2026-06-01")));
    CHECK_FALSE(calendar.nextBusinessDayAfter(iso("2026-06-01")));
}
