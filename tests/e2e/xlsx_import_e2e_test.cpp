// Issue 17 end to end: the blank workbook, a filled one imported back (raw
// and as a browser uploads it), refusals, and a job sent as a workbook.
#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "e2e_support.h"

using e2e::Response;
using e2e::sample;
using e2e::TestServer;

namespace {

const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

Response importRaw(const TestServer& server, const std::string& sheet, const std::string& bytes) {
    return e2e::request(server.port(), "POST", "/api/v1/sheets/" + sheet + "/import", bytes, {}, kXlsx);
}

std::string filledWorkbook(const TestServer& server, const std::string& sheet) {
    Response r = server.post("/api/v1/sheets/" + sheet + "/render?format=xlsx", sample(sheet));
    REQUIRE(r.status == 200);
    return r.body;
}

std::string sampleField(const std::string& sheet, const std::string& key) {
    auto s = Poco::JSON::Parser().parse(sample(sheet)).extract<Poco::JSON::Object::Ptr>();
    return s->getObject("fields")->getValue<std::string>(key);
}

}  // namespace

TEST_CASE("GET workbook gives the blank form, importing it lists each missing field with its cell", "[e2e][xlsx_import]") {
    TestServer server;
    Response blank = server.get("/api/v1/sheets/admission-info/workbook");
    REQUIRE(blank.status == 200);
    CHECK(blank.contentType == kXlsx);
    CHECK(blank.body.compare(0, 2, "PK") == 0);
    Response r = importRaw(server, "admission-info", blank.body);
    REQUIRE(r.status == 200);
    auto body = r.json();
    CHECK_FALSE(body->getValue<bool>("valid"));
    auto problems = body->getArray("problems");
    REQUIRE(problems->size() > 0);
    bool sawName = false;
    for (size_t i = 0; i < problems->size(); ++i) {
        auto p = problems->getObject(i);
        CHECK(p->getValue<std::string>("code") == "required");
        if (p->getValue<std::string>("field") == "fields.pt_name") {
            sawName = true;
            CHECK(p->getValue<std::string>("name") == "pt_name");
            CHECK(p->getValue<std::string>("cell").find("'1枚目'!$") == 0);
            CHECK(p->getValue<std::string>("label") == "氏名(患者氏名 / 利用者氏名)");
        }
    }
    CHECK(sawName);
    CHECK(server.get("/api/v1/sheets/no-such-sheet/workbook").status == 404);
}

TEST_CASE("A filled workbook imports back, raw and as multipart/form-data", "[e2e][xlsx_import]") {
    TestServer server;
    const std::string xlsx = filledWorkbook(server, "admission-info");
    Response raw = importRaw(server, "admission-info", xlsx);
    REQUIRE(raw.status == 200);
    auto body = raw.json();
    CHECK(body->getValue<bool>("valid"));
    CHECK(body->getObject("fields")->getValue<std::string>("pt_name") == sampleField("admission-info", "pt_name"));

    const std::string boundary = "----renkeiBoundary7MA4YWxk";
    const std::string multipart = "--" + boundary +
                                  "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + boundary +
                                  "\r\nContent-Disposition: form-data; name=\"workbook\"; filename=\"入院時.xlsx\"\r\n"
                                  "Content-Type: " + kXlsx + "\r\n\r\n" + xlsx + "\r\n--" + boundary + "--\r\n";
    Response form = e2e::request(server.port(), "POST", "/api/v1/sheets/admission-info/import", multipart, {},
                                 "multipart/form-data; boundary=" + boundary);
    REQUIRE(form.status == 200);
    CHECK(form.json()->getValue<bool>("valid"));
    CHECK(form.json()->getObject("fields")->getValue<std::string>("pt_kana") ==
          sampleField("admission-info", "pt_kana"));
}

TEST_CASE("Import refuses other sheets, non-workbooks and other media types with clear codes", "[e2e][xlsx_import]") {
    TestServer server;
    const std::string discharge = filledWorkbook(server, "discharge-liaison");
    Response wrong = importRaw(server, "admission-info", discharge);
    CHECK(wrong.status == 422);
    CHECK(wrong.contentType.find("application/problem+json") == 0);
    CHECK(wrong.body.find("\"wrong_sheet\"") != std::string::npos);
    Response junk = importRaw(server, "admission-info", "PK\x03\x04 certainly not a zip");
    CHECK(junk.status == 422);
    CHECK(junk.body.find("\"not_xlsx\"") != std::string::npos);
    Response json = e2e::request(server.port(), "POST", "/api/v1/sheets/admission-info/import", "{}", {},
                                 "application/json");
    CHECK(json.status == 415);
    Response empty = importRaw(server, "admission-info", "");
    CHECK(empty.status == 400);
}

TEST_CASE("POST /jobs takes a workbook in place of fields", "[e2e][xlsx_import]") {
    TestServer server;
    const std::string xlsx = filledWorkbook(server, "admission-info");
    const std::string request = R"({"sheet":"admission-info","delivery":{"channel":"print"},"allow_duplicate":true,)"
                                R"("workbook":")" + e2e::base64(xlsx) + "\"}";
    Response r = server.post("/api/v1/jobs", request);
    INFO(r.body);
    REQUIRE(r.status == 201);
    const std::string id = r.json()->getValue<std::string>("id");
    Response blank = server.get("/api/v1/sheets/admission-info/workbook");
    Response refused = server.post("/api/v1/jobs", R"({"sheet":"admission-info","delivery":{"channel":"print"},)"
                                                    R"("workbook":")" + e2e::base64(blank.body) + "\"}");
    CHECK(refused.status == 422);
    CHECK(refused.body.find("fields.pt_name") != std::string::npos);
    CHECK(refused.body.find("名前 pt_name") != std::string::npos);
    Response both = server.post("/api/v1/jobs", R"({"sheet":"admission-info","delivery":{"channel":"print"},)"
                                                 R"("fields":{},"workbook":")" + e2e::base64(xlsx) + "\"}");
    CHECK(both.status == 422);
    CHECK(both.body.find("\"conflict\"") != std::string::npos);
    Response notBase64 = server.post("/api/v1/jobs", R"({"sheet":"admission-info","delivery":{"channel":"print"},)"
                                                      R"("workbook":17})");
    CHECK(notBase64.status == 422);
    CHECK(server.get("/api/v1/jobs/" + id).status == 200);
}
