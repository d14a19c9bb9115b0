#include "common/csv.h"

#include <catch2/catch.hpp>

using common::readCsv;

TEST_CASE("CSV fields are split at commas, quoted fields keep their commas and doubled quotes", "[common][csv]") {
    auto lines = readCsv("a, b ,c\n\"x, y\",\"say \"\"hi\"\"\",\n");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].fields == std::vector<std::string>{"a", "b", "c"});
    CHECK(lines[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", ""});
    CHECK(lines[1].number == 2);
}

TEST_CASE("A CSV text from Excel reads like any other: BOM and CRLF are dropped", "[common][csv]") {
    auto lines = readCsv("\xEF\xBB\xBFid,name\r\nk1,旭川\r\n");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].text == "id,name");
    CHECK(lines[1].fields == std::vector<std::string>{"k1", "旭川"});
}

TEST_CASE("A CSV line with a quote left open has no fields, blank and comment lines say so", "[common][csv]") {
    auto lines = readCsv("\"open,field\n\n  # a comment\nx\n");
    REQUIRE(lines.size() == 4);
    CHECK_FALSE(lines[0].fields);
    CHECK_FALSE(lines[0].blankOrComment());
    CHECK(lines[1].blankOrComment());
    CHECK(lines[2].blankOrComment());
    CHECK_FALSE(lines[3].blankOrComment());
    CHECK(readCsv("").empty());
}

TEST_CASE("A CSV field is quoted only when it must be, and reads back as it was", "[common][csv]") {
    CHECK(common::csvField("plain text") == "plain text");
    CHECK(common::csvField("a,b") == "\"a,b\"");
    CHECK(common::csvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(common::csvField("two\nlines") == "\"two\nlines\"");
    const std::string field = "東光, \"しらかば\"";
    CHECK(readCsv(common::csvField(field) + ",x")[0].fields == std::vector<std::string>{field, "x"});
}
