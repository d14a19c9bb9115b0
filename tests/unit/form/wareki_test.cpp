#include <catch2/catch.hpp>

#include "form/wareki.h"

using namespace form;

namespace {
std::string wareki(const char* iso) { return formatWareki(*parseIsoDate(iso)); }
}  // namespace

TEST_CASE("Dates print in the era they fall in, with 元年 for an era's first year", "[wareki]") {
    CHECK(wareki("2025-11-25") == "令和7年11月25日");
    CHECK(wareki("2019-04-30") == "平成31年4月30日");
    CHECK(wareki("2019-05-01") == "令和元年5月1日");
    CHECK(wareki("1989-01-07") == "昭和64年1月7日");
    CHECK(wareki("1989-01-08") == "平成元年1月8日");
    CHECK(wareki("1926-12-24") == "大正15年12月24日");
    CHECK(wareki("1926-12-25") == "昭和元年12月25日");
    CHECK(wareki("1912-07-29") == "明治45年7月29日");
    CHECK(wareki("1912-07-30") == "大正元年7月30日");
    CHECK(wareki("1873-01-01") == "明治6年1月1日");
}

TEST_CASE("Narrow cells use the era initial", "[wareki]") {
    CHECK(formatWarekiShort(*parseIsoDate("2025-04-01")) == "R7.4.1");
    CHECK(formatWarekiShort(*parseIsoDate("1940-03-02")) == "S15.3.2");
}

TEST_CASE("Only real calendar days parse", "[wareki]") {
    CHECK_FALSE(parseIsoDate("2025-02-30"));
    CHECK_FALSE(parseIsoDate("2025-13-01"));
    CHECK_FALSE(parseIsoDate("2023-02-29"));
    CHECK(parseIsoDate("2024-02-29"));
    CHECK_FALSE(parseIsoDate("2025-4-1"));
    CHECK_FALSE(parseIsoDate("2025-04-01T00:00"));
    CHECK_FALSE(parseIsoDate(""));
    CHECK_FALSE(parseIsoDate("２０２５-04-01"));
}

TEST_CASE("Age counts full years on the document date", "[wareki]") {
    Date birth{1940, 3, 2};
    CHECK(ageOn(birth, {2025, 3, 1}) == 84);
    CHECK(ageOn(birth, {2025, 3, 2}) == 85);
    CHECK(ageOn({1944, 2, 29}, {2025, 2, 28}) == 80);
    CHECK(ageOn({1944, 2, 29}, {2025, 3, 1}) == 81);
}

TEST_CASE("Date-times are shown in Japan time whatever offset they were sent with", "[wareki]") {
    auto jst = parseIsoDateTimeJst("2025-04-01T15:10:00+09:00");
    REQUIRE(jst);
    CHECK(formatWarekiDateTime(*jst) == "令和7年4月1日 15時10分");
    auto utc = parseIsoDateTimeJst("2025-03-31T23:30Z");
    REQUIRE(utc);
    CHECK(formatWarekiDateTime(*utc) == "令和7年4月1日 8時30分");
    CHECK_FALSE(parseIsoDateTimeJst("2025-04-01T15:10:00"));
    CHECK_FALSE(parseIsoDateTimeJst("2025-04-31T15:10:00+09:00"));
    CHECK_FALSE(parseIsoDateTimeJst("2025-04-01T24:10:00+09:00"));
}

TEST_CASE("Weekdays are right across years", "[wareki]") {
    CHECK(weekdayJa({2025, 4, 1}) == "火");
    CHECK(weekdayJa({2026, 11, 25}) == "水");
    CHECK(weekday({2000, 1, 1}) == 6);
}

TEST_CASE("One date-time module: ISO instants with any offset, and Japan time as epoch microseconds", "[form][wareki]") {
    // 2025-04-01 00:00 in Japan is 2025-03-31 15:00 UTC.
    CHECK(form::jstEpochMicroseconds({2025, 4, 1}) == 1743433200LL * 1000000);
    CHECK(form::jstEpochMicroseconds({2025, 4, 1}, {15, 10}) == (1743433200LL + 15 * 3600 + 600) * 1000000);
    CHECK(form::parseIsoEpochSeconds("2025-04-01T00:00:00+09:00") == 1743433200LL);
    CHECK(form::parseIsoEpochSeconds("2025-03-31T15:00:00Z") == 1743433200LL);
    CHECK(form::parseIsoEpochSeconds("2025-03-31T15:00:00.250Z") == 1743433200LL);  // as other programs write it
    CHECK(form::parseIsoEpochSeconds("2025-04-01T00:00:00+0900") == 1743433200LL);
    CHECK(form::parseIsoEpochSeconds("2025-03-31T10:00:00-05:00") == 1743433200LL);
    CHECK_FALSE(form::parseIsoEpochSeconds("2025-02-30T00:00:00Z"));
    CHECK_FALSE(form::parseIsoEpochSeconds("2025-04-01 00:00:00"));
    CHECK_FALSE(form::parseIsoEpochSeconds("2025-04-01T24:00:00Z"));
    // The API's parser stays strict: no fraction, no offset without its colon.
    CHECK_FALSE(form::parseIsoDateTimeJst("2025-03-31T15:00:00.250Z"));
    CHECK_FALSE(form::parseIsoDateTimeJst("2025-04-01T00:00:00+0900"));
    auto jst = form::parseIsoDateTimeJst("2025-03-31T15:10:59Z");
    REQUIRE(jst);
    CHECK(jst->date == form::Date{2025, 4, 1});
    CHECK(jst->time.hour == 0);
    CHECK(jst->time.minute == 10);
    auto early = form::parseIsoDateTimeJst("1960-01-01T00:00:30Z");  // before the epoch: floor, not truncation
    REQUIRE(early);
    CHECK(early->date == form::Date{1960, 1, 1});
    CHECK(early->time.hour == 9);
    CHECK(early->time.minute == 0);
}
