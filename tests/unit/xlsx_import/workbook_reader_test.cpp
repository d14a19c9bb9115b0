// Issue 17: the workbook reader on hostile and odd packages.
#include <catch2/catch.hpp>

#include "xlsx_import/workbook_reader.h"

TEST_CASE("A workbook that is not a zip is refused as not_xlsx", "[xlsx_import]") {
    auto r = xlsx_import::readWorkbook("hello, not a workbook");
    REQUIRE_FALSE(r.isOk());
    REQUIRE(r.status().fieldErrors().size() == 1);
    CHECK(r.status().fieldErrors()[0].field == "workbook");
    CHECK(r.status().fieldErrors()[0].code == "not_xlsx");
}
