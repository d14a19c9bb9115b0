#include <catch2/catch.hpp>

#include "evidence/billing_rules.h"
#include "evidence/business_calendar.h"

#include <algorithm>

using namespace evidence;
using form::Date;
using form::DateTime;
using form::TimeOfDay;

namespace {

Date iso(const char* s) { return *form::parseIsoDate(s); }

// Monday to Friday, 9:00–18:00, closed on national holidays and the given days.
BusinessCalendar office(std::initializer_list<const char*> holidays = {}) {
    BusinessCalendarConfig config;
    for (const char* h : holidays) config.holidays.insert(iso(h));
    return BusinessCalendar(config);
}

// The same office open on national holidays: closed on weekends and the given days only.
BusinessCalendar plainOffice(std::initializer_list<const char*> holidays = {}) {
    BusinessCalendarConfig config;
    config.nationalHolidays = false;
    for (const char* h : holidays) config.holidays.insert(iso(h));
    return BusinessCalendar(config);
}

Admission admittedAt(const char* date, std::optional<TimeOfDay> time) {
    Admission a;
    a.date = iso(date);
    a.time = time;
    return a;
}

AdmissionTier sentOn(const Admission& admission, const char* sentDate, const BusinessCalendar& calendar,
                     SendMethod method = SendMethod::Fax) {
    AdmissionTierInput in;
    in.admission = admission;
    in.sentAt = DateTime{iso(sentDate), TimeOfDay{15, 10}};
    in.sendMethod = method;
    return admissionTier(in, calendar);
}

bool hasWarning(const std::vector<BillingWarning>& warnings, const std::string& code) {
    return std::any_of(warnings.begin(), warnings.end(), [&](const BillingWarning& w) { return w.code == code; });
}

DischargeTier discharge(std::vector<DischargeInfoReceipt> receipts, std::optional<Date> dischargeDate = iso("2025-06-10"),
                        bool initialAddon = false) {
    DischargeTierInput in;
    in.receipts = std::move(receipts);
    in.dischargeDate = dischargeDate;
    in.initialAddonClaimed = initialAddon;
    return dischargeTier(in);
}

}  // namespace

// ---- business calendar -------------------------------------------------------------------

TEST_CASE("The calendar settings parse weekdays, hours and holidays", "[evidence][calendar]") {
    auto config = parseBusinessCalendarConfig("mon,tue, WED ,thu,fri,sat", "08:30", "17:15", "2025-12-29, 2025-12-30,");
    REQUIRE(config);
    CHECK(config->businessWeekdays == std::set<int>{1, 2, 3, 4, 5, 6});
    CHECK(config->open.hour == 8);
    CHECK(config->open.minute == 30);
    CHECK(config->close.hour == 17);
    CHECK(config->close.minute == 15);
    CHECK(config->holidays == std::set<Date>{iso("2025-12-29"), iso("2025-12-30")});
    auto noHolidays = parseBusinessCalendarConfig("mon,tue,wed,thu,fri", "09:00", "18:00", "");
    REQUIRE(noHolidays);
    CHECK(noHolidays->holidays.empty());
}

TEST_CASE("Bad calendar settings are rejected naming every bad item", "[evidence][calendar]") {
    auto bad = parseBusinessCalendarConfig("mon,fry", "9:00", "18:00", "2025-12-29,2025-13-01");
    REQUIRE_FALSE(bad);
    CHECK(bad.status().code() == common::Status::Code::InvalidArgument);
    const std::string& message = bad.status().message();
    CHECK(message.find("'fry'") != std::string::npos);
    CHECK(message.find("'9:00'") != std::string::npos);
    CHECK(message.find("'2025-13-01'") != std::string::npos);
    CHECK(bad.status().fieldErrors().size() == 3);

    auto reversed = parseBusinessCalendarConfig("mon", "18:00", "09:00", "");
    REQUIRE_FALSE(reversed);
    CHECK(reversed.status().fieldErrors().at(0).field == "business_close");
    auto none = parseBusinessCalendarConfig(" , ", "09:00", "18:00", "");
    REQUIRE_FALSE(none);
    CHECK(none.status().fieldErrors().at(0).field == "business_days");
}

TEST_CASE("Business hours run from opening up to but not including closing time", "[evidence][calendar]") {
    BusinessCalendar calendar = plainOffice({"2025-04-29"});  // the office's own closed day
    const Date monday = iso("2025-04-07");
    CHECK(calendar.isBusinessDay(monday));
    CHECK_FALSE(calendar.isBusinessDay(iso("2025-04-12")));  // Saturday
    CHECK_FALSE(calendar.isBusinessDay(iso("2025-04-29")));  // holiday on a Tuesday
    CHECK(calendar.isAfterHours({monday, {8, 59}}));
    CHECK_FALSE(calendar.isAfterHours({monday, {9, 0}}));
    CHECK_FALSE(calendar.isAfterHours({monday, {17, 59}}));
    CHECK(calendar.isAfterHours({monday, {18, 0}}));
    CHECK(calendar.isAfterHours({iso("2025-04-12"), {12, 0}}));
    CHECK(calendar.isAfterHours({iso("2025-04-29"), {10, 0}}));
    CHECK(*calendar.nextBusinessDayAfter(iso("2025-04-11")) == iso("2025-04-14"));
}

TEST_CASE("Day arithmetic crosses months, leap days and years", "[evidence][calendar]") {
    CHECK(addDays(iso("2024-02-28"), 1) == iso("2024-02-29"));
    CHECK(addDays(iso("2025-02-28"), 1) == iso("2025-03-01"));
    CHECK(addDays(iso("2025-12-30"), 3) == iso("2026-01-02"));
    CHECK(addDays(iso("2025-01-01"), -1) == iso("2024-12-31"));
    CHECK(daysBetween(iso("2025-12-30"), iso("2026-01-05")) == 6);
    CHECK(isoDate(iso("2026-01-05")) == "2026-01-05");
}

// ---- 入院時情報連携加算, FY2024 rule ------------------------------------------------------

TEST_CASE("An admission on Monday morning is tier I that day, tier II on Tuesday or Wednesday, and too late from Thursday",
          "[evidence][admission]") {
    BusinessCalendar calendar = office();
    Admission monday = admittedAt("2025-04-07", TimeOfDay{10, 0});

    AdmissionTier same = sentOn(monday, "2025-04-07", calendar);
    CHECK(same.tier == "I");
    CHECK(same.label == "入院時情報連携加算(Ⅰ)");
    CHECK(same.units == 250);
    CHECK(same.rule == "2024-04");
    CHECK(same.deadlineI == "2025-04-07");
    CHECK(same.deadlineII == "2025-04-09");
    CHECK(same.warnings.empty());

    for (const char* day : {"2025-04-08", "2025-04-09"}) {
        AdmissionTier t = sentOn(monday, day, calendar);
        CHECK(t.tier == "II");
        CHECK(t.label == "入院時情報連携加算(Ⅱ)");
        CHECK(t.units == 200);
    }
    AdmissionTier late = sentOn(monday, "2025-04-10", calendar);
    CHECK(late.tier == "none");
    CHECK(late.units == 0);
    CHECK(late.warnings.empty());
}

TEST_CASE("A sheet sent before the admission day counts as tier I without a warning", "[evidence][admission]") {
    BusinessCalendar calendar = office();
    AdmissionTier t = sentOn(admittedAt("2025-04-07", TimeOfDay{10, 0}), "2025-04-03", calendar);
    CHECK(t.tier == "I");
    CHECK(t.warnings.empty());
    CHECK(sentOn(admittedAt("2020-06-01", TimeOfDay{10, 0}), "2020-05-30", calendar).tier == "I");
}

TEST_CASE("An admission on Friday evening extends tier I to Saturday and tier II to Monday because Sunday is closed",
          "[evidence][admission]") {
    BusinessCalendar calendar = office();
    Admission friday = admittedAt("2025-04-11", TimeOfDay{20, 0});
    CHECK(sentOn(friday, "2025-04-11", calendar).tier == "I");
    CHECK(sentOn(friday, "2025-04-12", calendar).tier == "I");
    CHECK(sentOn(friday, "2025-04-13", calendar).tier == "II");
    AdmissionTier monday = sentOn(friday, "2025-04-14", calendar);
    CHECK(monday.tier == "II");
    CHECK(monday.warnings.empty());
    CHECK(monday.deadlineI == "2025-04-12");
    CHECK(monday.deadlineII == "2025-04-14");
    CHECK(monday.unconfirmedDeadlineI.empty());
    CHECK(monday.unconfirmedDeadlineII.empty());
    CHECK(sentOn(friday, "2025-04-15", calendar).tier == "none");

    AdmissionDeadlines d = admissionDeadlines(friday, calendar);
    CHECK(d.afterHours);
    CHECK(d.warnings.empty());
}

TEST_CASE("An admission during Friday business hours gets no extension", "[evidence][admission]") {
    BusinessCalendar calendar = office();
    Admission friday = admittedAt("2025-04-11", TimeOfDay{17, 59});
    CHECK(sentOn(friday, "2025-04-12", calendar).tier == "II");
    CHECK(sentOn(friday, "2025-04-13", calendar).tier == "II");
    CHECK(sentOn(friday, "2025-04-14", calendar).tier == "none");
}

TEST_CASE("The admitted-after-hours flag overrides the admission time", "[evidence][admission]") {
    BusinessCalendar calendar = office();
    Admission flaggedLate = admittedAt("2025-04-11", TimeOfDay{10, 0});
    flaggedLate.afterHours = true;
    CHECK(sentOn(flaggedLate, "2025-04-12", calendar).tier == "I");
    CHECK(sentOn(flaggedLate, "2025-04-14", calendar).tier == "II");

    Admission flaggedInHours = admittedAt("2025-04-11", TimeOfDay{20, 0});
    flaggedInHours.afterHours = false;
    CHECK(sentOn(flaggedInHours, "2025-04-12", calendar).tier == "II");
    CHECK(sentOn(flaggedInHours, "2025-04-14", calendar).tier == "none");
}

TEST_CASE("An admission on a closed weekday counts as after hours whatever the time", "[evidence][admission]") {
    BusinessCalendar calendar = office();  // closed on national holidays without listing them
    Admission holiday = admittedAt("2025-04-29", TimeOfDay{10, 0});  // 昭和の日, a Tuesday
    CHECK(sentOn(holiday, "2025-04-30", calendar).tier == "I");
    CHECK(sentOn(holiday, "2025-05-01", calendar).tier == "II");
    AdmissionTier late = sentOn(holiday, "2025-05-02", calendar);
    CHECK(late.tier == "none");
    CHECK(late.warnings.empty());

    Admission noTime = admittedAt("2025-04-29", std::nullopt);
    noTime.afterHours = false;  // the flag cannot make a closed day a business day
    CHECK(sentOn(noTime, "2025-04-30", calendar).tier == "I");
}

TEST_CASE("Without an admission time a business-day admission is taken as within hours and says so when it matters",
          "[evidence][admission]") {
    BusinessCalendar calendar = office();
    Admission unknown = admittedAt("2025-04-07", std::nullopt);
    AdmissionTier sameDay = sentOn(unknown, "2025-04-07", calendar);
    CHECK(sameDay.tier == "I");
    CHECK(sameDay.warnings.empty());
    AdmissionTier nextDay = sentOn(unknown, "2025-04-08", calendar);
    CHECK(nextDay.tier == "II");
    CHECK(hasWarning(nextDay.warnings, "admission_time_unknown"));
    CHECK(hasWarning(admissionDeadlines(unknown, calendar).warnings, "admission_time_unknown"));
}

// ---- national holidays (issue 15) -------------------------------------------------------

TEST_CASE("An admission on a weekday national holiday extends tier I to the next day", "[evidence][admission][holidays]") {
    Admission comingOfAge = admittedAt("2026-01-12", TimeOfDay{10, 0});  // 成人の日, a Monday
    BusinessCalendar calendar = office();
    AdmissionTier tuesday = sentOn(comingOfAge, "2026-01-13", calendar);
    CHECK(tuesday.tier == "I");
    CHECK(tuesday.deadlineI == "2026-01-13");
    CHECK(tuesday.warnings.empty());
    CHECK(sentOn(comingOfAge, "2026-01-14", calendar).tier == "II");
    CHECK(sentOn(comingOfAge, "2026-01-15", calendar).tier == "none");
    CHECK(admissionDeadlines(comingOfAge, calendar).afterHours);

    // An office open on national holidays admitted the client in its hours: no extension.
    BusinessCalendar open = plainOffice();
    CHECK_FALSE(admissionDeadlines(comingOfAge, open).afterHours);
    CHECK(sentOn(comingOfAge, "2026-01-13", open).tier == "II");
}

TEST_CASE("A national holiday on day 3 extends tier II of an after-hours admission to day 4",
          "[evidence][admission][holidays]") {
    Admission monday = admittedAt("2026-04-27", TimeOfDay{20, 0});  // day 3 is 4/29 昭和の日
    BusinessCalendar calendar = office();
    AdmissionTier thursday = sentOn(monday, "2026-04-30", calendar);
    CHECK(thursday.tier == "II");
    CHECK(thursday.deadlineII == "2026-04-30");
    CHECK(thursday.warnings.empty());
    CHECK(sentOn(monday, "2026-05-01", calendar).tier == "none");

    CHECK(sentOn(monday, "2026-04-30", plainOffice()).tier == "none");
}

TEST_CASE("An after-hours admission on the Friday before a holiday Monday leaves Tuesday unconfirmed",
          "[evidence][admission][holidays][holiday_chain]") {
    Admission friday = admittedAt("2026-01-09", TimeOfDay{20, 0});  // Monday 1/12 is 成人の日
    BusinessCalendar calendar = office();
    AdmissionDeadlines d = admissionDeadlines(friday, calendar);
    CHECK(d.lastDayI == iso("2026-01-10"));
    CHECK(d.lastDayII == iso("2026-01-12"));  // day 3 (Sunday) closed, so day 4 counts
    CHECK(*d.unconfirmedLastDayII == iso("2026-01-13"));
    CHECK(hasWarning(d.warnings, "holiday_chain"));

    CHECK(sentOn(friday, "2026-01-10", calendar).tier == "I");
    CHECK(sentOn(friday, "2026-01-12", calendar).tier == "II");
    AdmissionTier tuesday = sentOn(friday, "2026-01-13", calendar);
    CHECK(tuesday.tier == "unclear");
    CHECK(tuesday.unconfirmedDeadlineII == "2026-01-13");
    CHECK(hasWarning(tuesday.warnings, "holiday_chain"));
    CHECK(sentOn(friday, "2026-01-14", calendar).tier == "none");

    // Open on the holiday Monday, the office has a plain weekend and Tuesday is too late.
    BusinessCalendar open = plainOffice();
    CHECK_FALSE(admissionDeadlines(friday, open).unconfirmedLastDayII);
    CHECK(sentOn(friday, "2026-01-12", open).tier == "II");
    CHECK(sentOn(friday, "2026-01-13", open).tier == "none");
}

// ---- holiday chains ----------------------------------------------------------------------

TEST_CASE("A year-end admission gives certain tiers up to the one-day extensions and leaves the rest unclear",
          "[evidence][admission][holiday_chain]") {
    BusinessCalendar calendar =
        office({"2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03"});
    Admission yearEnd = admittedAt("2025-12-30", TimeOfDay{20, 0});

    AdmissionDeadlines d = admissionDeadlines(yearEnd, calendar);
    CHECK(d.lastDayI == iso("2025-12-31"));
    CHECK(d.lastDayII == iso("2026-01-02"));  // day 3 (1/1) closed, so day 4 counts
    CHECK(*d.unconfirmedLastDayI == iso("2026-01-05"));
    CHECK(*d.unconfirmedLastDayII == iso("2026-01-05"));
    CHECK(hasWarning(d.warnings, "holiday_chain"));

    AdmissionTier onTheDay = sentOn(yearEnd, "2025-12-30", calendar);
    CHECK(onTheDay.tier == "I");
    CHECK(onTheDay.warnings.empty());
    CHECK(sentOn(yearEnd, "2025-12-31", calendar).tier == "I");

    for (const char* day : {"2026-01-01", "2026-01-02"}) {
        AdmissionTier t = sentOn(yearEnd, day, calendar);
        CHECK(t.tier == "II");
        CHECK(t.units == 200);
        CHECK(hasWarning(t.warnings, "holiday_chain"));  // might still be tier I
    }
    for (const char* day : {"2026-01-03", "2026-01-04", "2026-01-05"}) {
        AdmissionTier t = sentOn(yearEnd, day, calendar);
        CHECK(t.tier == "unclear");
        CHECK(t.units == 0);
        CHECK(t.label == "入院時情報連携加算(要確認)");
        CHECK(t.deadlineI == "2025-12-31");
        CHECK(t.deadlineII == "2026-01-02");
        CHECK(t.unconfirmedDeadlineI == "2026-01-05");
        CHECK(t.unconfirmedDeadlineII == "2026-01-05");
        REQUIRE(hasWarning(t.warnings, "holiday_chain"));
        CHECK(t.warnings.front().message.find("保険者に確認") != std::string::npos);
    }
    AdmissionTier late = sentOn(yearEnd, "2026-01-06", calendar);
    CHECK(late.tier == "none");
    CHECK(late.warnings.empty());
}

TEST_CASE("A Golden Week chain after day 3 leaves only the tier II extension unconfirmed",
          "[evidence][admission][holiday_chain]") {
    BusinessCalendar calendar = office();  // 5/3–5/5 祝日, 5/6 振替休日
    Admission thursday = admittedAt("2025-05-01", TimeOfDay{19, 30});
    AdmissionDeadlines d = admissionDeadlines(thursday, calendar);
    CHECK(d.lastDayI == iso("2025-05-02"));
    CHECK_FALSE(d.unconfirmedLastDayI);
    CHECK(d.lastDayII == iso("2025-05-04"));
    CHECK(*d.unconfirmedLastDayII == iso("2025-05-07"));

    CHECK(sentOn(thursday, "2025-05-02", calendar).tier == "I");
    AdmissionTier sunday = sentOn(thursday, "2025-05-04", calendar);
    CHECK(sunday.tier == "II");
    CHECK(sunday.warnings.empty());
    CHECK(sentOn(thursday, "2025-05-05", calendar).tier == "unclear");
    CHECK(sentOn(thursday, "2025-05-07", calendar).tier == "unclear");
    CHECK(sentOn(thursday, "2025-05-08", calendar).tier == "none");
}

TEST_CASE("A Saturday admission leaves tier I on Monday unconfirmed while tier II is certain",
          "[evidence][admission][holiday_chain]") {
    BusinessCalendar calendar = office();
    Admission saturday = admittedAt("2025-04-12", TimeOfDay{11, 0});
    CHECK(sentOn(saturday, "2025-04-13", calendar).tier == "I");
    AdmissionTier monday = sentOn(saturday, "2025-04-14", calendar);
    CHECK(monday.tier == "II");
    CHECK(monday.unconfirmedDeadlineI == "2025-04-14");
    CHECK(hasWarning(monday.warnings, "holiday_chain"));
    CHECK(sentOn(saturday, "2025-04-15", calendar).tier == "none");
}

// ---- historical rules --------------------------------------------------------------------

TEST_CASE("Admissions from April 2018 to March 2024 use 3 days for tier I and days 4 to 7 for tier II",
          "[evidence][admission][history]") {
    BusinessCalendar calendar = office();
    Admission june = admittedAt("2020-06-01", TimeOfDay{10, 0});
    AdmissionTier day3 = sentOn(june, "2020-06-03", calendar);
    CHECK(day3.tier == "I");
    CHECK(day3.units == 200);
    CHECK(day3.rule == "2018-04");
    CHECK(day3.deadlineI == "2020-06-03");
    CHECK(day3.deadlineII == "2020-06-07");
    AdmissionTier day4 = sentOn(june, "2020-06-04", calendar);
    CHECK(day4.tier == "II");
    CHECK(day4.units == 100);
    CHECK(sentOn(june, "2020-06-07", calendar).tier == "II");
    CHECK(sentOn(june, "2020-06-08", calendar).tier == "none");
}

TEST_CASE("The rule in force on the admission day decides, even when the sheet is sent after the revision",
          "[evidence][admission][history]") {
    BusinessCalendar calendar = office();
    Admission lastOld = admittedAt("2024-03-31", TimeOfDay{10, 0});
    AdmissionTier t = sentOn(lastOld, "2024-04-02", calendar);
    CHECK(t.rule == "2018-04");
    CHECK(t.tier == "I");
    CHECK(t.units == 200);
    AdmissionTier firstNew = sentOn(admittedAt("2024-04-01", TimeOfDay{10, 0}), "2024-04-02", calendar);
    CHECK(firstNew.rule == "2024-04");
    CHECK(firstNew.tier == "II");
    CHECK(firstNew.units == 200);
    CHECK(admissionRuleFor(iso("2018-03-31")) == "pre-2018");
    CHECK(admissionRuleFor(iso("2018-04-01")) == "2018-04");
}

TEST_CASE("Before 2024 an after-hours admission gets no extension", "[evidence][admission][history]") {
    BusinessCalendar calendar = office();
    Admission friday = admittedAt("2024-03-22", TimeOfDay{20, 0});  // Friday
    CHECK(sentOn(friday, "2024-03-24", calendar).tier == "I");
    CHECK(sentOn(friday, "2024-03-25", calendar).tier == "II");
    CHECK(sentOn(friday, "2024-03-28", calendar).tier == "II");
    CHECK(sentOn(friday, "2024-03-29", calendar).tier == "none");
}

TEST_CASE("Before April 2018 tier I needs a hospital visit within 7 days and other means give tier II",
          "[evidence][admission][history]") {
    BusinessCalendar calendar = office();
    Admission march = admittedAt("2018-03-25", TimeOfDay{10, 0});
    AdmissionTier visit = sentOn(march, "2018-03-31", calendar, SendMethod::InPerson);
    CHECK(visit.tier == "I");
    CHECK(visit.units == 200);
    CHECK(visit.rule == "pre-2018");
    AdmissionTier fax = sentOn(march, "2018-03-31", calendar, SendMethod::Fax);
    CHECK(fax.tier == "II");
    CHECK(fax.units == 100);
    CHECK(fax.deadlineII == "2018-03-31");
    CHECK(sentOn(march, "2018-04-01", calendar, SendMethod::InPerson).tier == "none");
}

TEST_CASE("Send methods convert to and from their keys", "[evidence]") {
    for (const char* key : {"in_person", "fax", "mail", "email", "phone", "video", "other", "print"})
        CHECK(sendMethodKey(*parseSendMethod(key)) == key);
    CHECK_FALSE(parseSendMethod("pigeon"));
    CHECK_FALSE(parseSendMethod("FAX"));
}

// ---- 退院・退所加算 ------------------------------------------------------------------------

TEST_CASE("Discharge tiers follow the number of receipt days and whether one was a conference",
          "[evidence][discharge]") {
    const Date d1 = iso("2025-06-02"), d2 = iso("2025-06-05"), d3 = iso("2025-06-09");

    DischargeTier one = discharge({{d1, false}});
    CHECK(one.tier == "I-i");
    CHECK(one.label == "退院・退所加算(Ⅰ)イ");
    CHECK(one.units == 450);

    DischargeTier oneConf = discharge({{d1, true}});
    CHECK(oneConf.tier == "I-ro");
    CHECK(oneConf.label == "退院・退所加算(Ⅰ)ロ");
    CHECK(oneConf.units == 600);

    DischargeTier two = discharge({{d1, false}, {d2, false}});
    CHECK(two.tier == "II-i");
    CHECK(two.label == "退院・退所加算(Ⅱ)イ");
    CHECK(two.units == 600);

    DischargeTier three = discharge({{d1, false}, {d2, false}, {d3, false}});
    CHECK(three.tier == "II-i");
    CHECK(three.units == 600);

    DischargeTier twoConf = discharge({{d1, false}, {d2, true}});
    CHECK(twoConf.tier == "II-ro");
    CHECK(twoConf.label == "退院・退所加算(Ⅱ)ロ");
    CHECK(twoConf.units == 750);

    DischargeTier threeConf = discharge({{d1, true}, {d2, false}, {d3, false}});
    CHECK(threeConf.tier == "III");
    CHECK(threeConf.label == "退院・退所加算(Ⅲ)");
    CHECK(threeConf.units == 900);
    CHECK(threeConf.receiptsCounted == 3);
    CHECK(threeConf.conference);
    CHECK(threeConf.countedDates == std::vector<Date>{d1, d2, d3});

    DischargeTier nothing = discharge({});
    CHECK(nothing.tier == "none");
    CHECK(nothing.units == 0);
    CHECK(nothing.warnings.empty());
}

TEST_CASE("Several receipts on the same day count once, as a conference if any was one", "[evidence][discharge]") {
    const Date d1 = iso("2025-06-02"), d2 = iso("2025-06-05");
    DischargeTier sameDay = discharge({{d1, false}, {d1, false}, {d1, true}});
    CHECK(sameDay.receiptsCounted == 1);
    CHECK(sameDay.conference);
    CHECK(sameDay.tier == "I-ro");

    DischargeTier twoDays = discharge({{d2, true}, {d1, false}, {d2, false}, {d1, false}});
    CHECK(twoDays.receiptsCounted == 2);
    CHECK(twoDays.tier == "II-ro");
    CHECK(twoDays.countedDates == std::vector<Date>{d1, d2});
}

TEST_CASE("Receipts up to 7 days after discharge count and later ones are listed in warnings", "[evidence][discharge]") {
    DischargeTier t = discharge({{iso("2025-06-09"), false}, {iso("2025-06-17"), true}, {iso("2025-06-18"), true}},
                                iso("2025-06-10"));
    CHECK(t.receiptsCounted == 2);
    CHECK(t.conference);
    CHECK(t.tier == "II-ro");
    REQUIRE(t.warnings.size() == 1);
    CHECK(t.warnings[0].code == "receipt_after_window");
    CHECK(t.warnings[0].message.find("令和7年6月18日") != std::string::npos);

    DischargeTier onlyLate = discharge({{iso("2025-06-18"), true}}, iso("2025-06-10"));
    CHECK(onlyLate.tier == "none");
    CHECK(onlyLate.conference == false);
}

TEST_CASE("Without a discharge date every receipt counts and a warning says the window was not checked",
          "[evidence][discharge]") {
    DischargeTier t = discharge({{iso("2025-06-02"), false}, {iso("2025-08-01"), false}}, std::nullopt);
    CHECK(t.receiptsCounted == 2);
    CHECK(t.tier == "II-i");
    CHECK(hasWarning(t.warnings, "discharge_date_unknown"));
}

TEST_CASE("The discharge add-on is blocked when the initial add-on is claimed", "[evidence][discharge]") {
    DischargeTier t = discharge({{iso("2025-06-02"), true}, {iso("2025-06-05"), false}}, iso("2025-06-10"), true);
    CHECK(t.tier == "blocked");
    CHECK(t.units == 0);
    CHECK(t.label == "退院・退所加算(初回加算と併算定不可)");
    CHECK(t.receiptsCounted == 2);
    REQUIRE(hasWarning(t.warnings, "initial_addon_claimed"));
    CHECK(t.warnings.back().message.find("退院・退所加算(Ⅱ)ロ") != std::string::npos);
}
