// Issue 14: a sheet is data. A small fictitious sheet (連絡メモ) from
// tests/data/extra-templates, added beside the shipped templates with no code
// change, is served, validated and faxed: its cover lists it as its template
// declares, and the fax reaches the spool with the sheet's text.
#include <catch2/catch.hpp>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>

#include <sstream>

#include "e2e_support.h"

using namespace e2e;
using testing_support::readFile;
using testing_support::sourcePath;
using testing_support::stripSpace;

namespace {

const char* const kExtraSheet = "contact-memo";

// The shipped templates and the extra sheet, in one folder.
void copyTemplates(const testing_support::TempDir& dir) {
    for (Poco::DirectoryIterator it(sourcePath("templates")), end; it != end; ++it)
        if (it->isDirectory()) Poco::File(it->path()).copyTo(dir.path());
    Poco::File(sourcePath(std::string("tests/data/extra-templates/") + kExtraSheet)).copyTo(dir.path());
}

Poco::JSON::Object::Ptr extraSample() {
    return Poco::JSON::Parser()
        .parse(readFile(sourcePath(std::string("tests/data/extra-templates/") + kExtraSheet + "/sample.json")))
        .extract<Poco::JSON::Object::Ptr>();
}

std::string toJson(const Poco::JSON::Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

std::string jobStateOf(const TestServer& server, const std::string& id) {
    return server.get("/api/v1/jobs/" + id).json()->getValue<std::string>("state");
}

}  // namespace

TEST_CASE("Issue 14: a sheet added from test data alone is faxed with its cover entry and its text", "[e2e][fax][issue14]") {
    testing_support::TempDir templates;
    copyTemplates(templates);
    TestServer server([&](config::Settings& s) {
        s.templatesDir = templates.path();
        s.faxHoldSeconds = 1;
        s.dispatchPollMs = 50;
    });

    // Served like any other sheet.
    Response listed = server.get("/api/v1/sheets");
    REQUIRE(listed.status == 200);
    CHECK(listed.body.find(kExtraSheet) != std::string::npos);
    Response schema = server.get(std::string("/api/v1/sheets/") + kExtraSheet);
    REQUIRE(schema.status == 200);
    CHECK(schema.body.find("memo_body") != std::string::npos);

    // Checked by its own rules.
    Poco::JSON::Object::Ptr fields = extraSample()->getObject("fields");
    Poco::JSON::Object::Ptr bad = extraSample()->getObject("fields");
    bad->remove("subject");
    Poco::JSON::Object::Ptr request = new Poco::JSON::Object;
    request->set("sheet", kExtraSheet);
    request->set("delivery", Poco::JSON::Parser().parse(R"({"channel":"fax","partner":"toko-shirakaba"})"));
    request->set("fields", bad);
    Response refused = server.post("/api/v1/jobs", toJson(request));
    CHECK(refused.status == 422);
    CHECK(refused.body.find("fields.subject") != std::string::npos);

    // Faxed through the hold window to the spool.
    request->set("fields", fields);
    Response r = server.post("/api/v1/jobs", toJson(request));
    INFO(r.body);
    REQUIRE(r.status == 201);
    const std::string id = r.json()->getValue<std::string>("id");
    for (int i = 0; i < 200 && jobStateOf(server, id) != "spooled"; ++i) Poco::Thread::sleep(50);
    REQUIRE(jobStateOf(server, id) == "spooled");
    const std::string pdf = server.dataDir() + "/spool/fax/new/" + id + ".pdf";
    REQUIRE(Poco::File(pdf).exists());
    CHECK(testing_support::pdfPageCount(pdf) == 2);  // the cover and the memo

    const std::string text = stripSpace(testing_support::pdfText(pdf));
    INFO(text);
    // The cover lists it as its faxCover says: その他 with the sheet's name.
    CHECK(text.find("FAX送付状") != std::string::npos);
    CHECK(text.find(stripSpace("■その他(連絡メモ)")) != std::string::npos);
    CHECK(text.find(stripSpace("□入院時情報提供シート")) != std::string::npos);
    CHECK(text.find(stripSpace("送信枚数(本紙を含む)")) != std::string::npos);
    CHECK(text.find("2枚") != std::string::npos);
    // The sender comes from the memo, as the cover template's fromDocument says.
    CHECK(text.find(stripSpace(fields->getValue<std::string>("sender_office_name"))) != std::string::npos);
    // The memo's own text, and its patient masked as on every fax.
    CHECK(text.find("連絡メモ") != std::string::npos);
    CHECK(text.find(stripSpace(fields->getValue<std::string>("subject"))) != std::string::npos);
    CHECK(text.find(stripSpace("12月3日(水)14時または12月4日(木)10時はいかがでしょうか。")) != std::string::npos);
    CHECK(text.find(stripSpace(fields->getValue<std::string>("pt_name"))) == std::string::npos);
    CHECK(text.find("ユ・マ") != std::string::npos);
}

TEST_CASE("Issue 14: a server whose extra sheet has no fax cover entry does not start, naming the file", "[e2e][issue14]") {
    testing_support::TempDir templates;
    copyTemplates(templates);
    const std::string path = templates.file(std::string(kExtraSheet) + "/template.json");
    std::string json = readFile(path);
    const std::string entry = R"("faxCover": {"document": "other", "note": "連絡メモ"},)";
    REQUIRE(json.find(entry) != std::string::npos);
    json.erase(json.find(entry), entry.size());
    testing_support::writeFile(path, json);
    config::Settings settings;
    settings.port = 0;
    settings.templatesDir = templates.path();
    testing_support::TempDir data;
    settings.dataDir = data.path();
    auto started = startServer(settings);
    REQUIRE_FALSE(started);
    CHECK_THAT(started.status().message(), Catch::Contains(path + ": faxCover: missing"));
}
