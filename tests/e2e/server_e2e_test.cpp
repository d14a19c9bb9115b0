#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Process.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "common/utf8.h"
#include "e2e_support.h"
#include "form/template_registry.h"
#include "form/wareki.h"

using namespace e2e;
using testing_support::stripSpace;
using testing_support::TempDir;

namespace {

// The strings each submitted value must show as on the sheet.
std::vector<std::string> expectedTexts(const form::SheetTemplate& sheet, const Poco::JSON::Object::Ptr& fields) {
    std::vector<std::string> out;
    for (const auto& [key, value] : *fields) {
        const form::FieldSpec* f = sheet.field(key);
        REQUIRE(f);
        if (!f->printed) continue;
        switch (f->type) {
        case form::FieldType::Date: {
            // Narrow cells print the short form (R7.4.1); either counts.
            auto d = *form::parseIsoDate(value.toString());
            out.push_back(form::formatWareki(d) + "|" + form::formatWarekiShort(d));
            break;
        }
        case form::FieldType::Enum: out.push_back(f->option(value.toString())->label); break;
        case form::FieldType::Multi: {
            auto list = value.extract<Poco::JSON::Array::Ptr>();
            for (size_t i = 0; i < list->size(); ++i) out.push_back(f->option(list->getElement<std::string>(i))->label);
            break;
        }
        case form::FieldType::Bool:
        case form::FieldType::DateTime:
        case form::FieldType::Time:
        case form::FieldType::Table: break;
        default: out.push_back(value.toString());
        }
    }
    return out;
}

std::string writeTemp(const TempDir& dir, const std::string& name, const std::string& bytes) {
    testing_support::writeFile(dir.file(name), bytes);
    return dir.file(name);
}

}  // namespace

TEST_CASE("The health check answers 200", "[e2e]") {
    TestServer server;
    Response r = server.get("/healthz");
    CHECK(r.status == 200);
    CHECK(r.json()->getValue<std::string>("status") == "ok");
}

TEST_CASE("Sheets are listed and their schema comes from the template", "[e2e]") {
    TestServer server;
    Response list = server.get("/api/v1/sheets");
    REQUIRE(list.status == 200);
    auto sheets = list.json()->getArray("sheets");
    bool found = false;
    for (size_t i = 0; i < sheets->size(); ++i)
        if (sheets->getObject(i)->getValue<std::string>("id") == "admission-info") {
            found = true;
            CHECK(sheets->getObject(i)->getValue<std::string>("title") == "入院時情報提供シート");
            CHECK_FALSE(sheets->getObject(i)->getValue<std::string>("version").empty());
        }
    CHECK(found);

    Response schema = server.get("/api/v1/sheets/admission-info");
    REQUIRE(schema.status == 200);
    auto fields = schema.json()->getArray("fields");
    std::map<std::string, Poco::JSON::Object::Ptr> byKey;
    for (size_t i = 0; i < fields->size(); ++i) byKey[fields->getObject(i)->getValue<std::string>("key")] = fields->getObject(i);
    REQUIRE(byKey.count("pt_name"));
    CHECK(byKey["pt_name"]->getValue<std::string>("label").find("氏名") != std::string::npos);
    CHECK(byKey["pt_name"]->getValue<bool>("required"));
    CHECK(byKey["pt_name"]->getValue<int>("maxLength") > 20);
    REQUIRE(byKey.count("pt_sex"));
    CHECK(byKey["pt_sex"]->getArray("options")->size() == 2);
    CHECK(server.get("/api/v1/sheets/no-such-sheet").status == 404);
}

TEST_CASE("The sample admission sheet renders to a PDF that holds every value", "[e2e]") {
    TestServer server;
    TempDir dir;
    Response r = server.post("/api/v1/sheets/admission-info/render?format=pdf", sample("admission-info"));
    REQUIRE(r.status == 200);
    CHECK(r.contentType == "application/pdf");
    CHECK(r.headers["Content-Disposition"].find("attachment; filename=\"admission-info.pdf\"") == 0);
    std::string pdf = writeTemp(dir, "a.pdf", r.body);
    CHECK(testing_support::pdfPageCount(pdf) == 2);
    std::string fonts = testing_support::pdfFonts(pdf);
    CHECK(fonts.find("IPAexGothic") != std::string::npos);
    CHECK(fonts.find("CID TrueType") != std::string::npos);
    CHECK(fonts.find("Identity-H") != std::string::npos);
    CHECK(fonts.find("yes yes") != std::string::npos);

    std::string text = stripSpace(testing_support::run({"/usr/bin/pdftotext", "-raw", pdf, "-"}).output);
    auto registry = form::TemplateRegistry::load(testing_support::sourcePath("templates")).value();
    auto fields = Poco::JSON::Parser().parse(sample("admission-info")).extract<Poco::JSON::Object::Ptr>()->getObject("fields");
    for (const std::string& value : expectedTexts(*registry->find("admission-info"), fields)) {
        INFO(value);
        size_t bar = value.find('|');
        bool found = text.find(stripSpace(value.substr(0, bar))) != std::string::npos ||
                     (bar != std::string::npos && text.find(stripSpace(value.substr(bar + 1))) != std::string::npos);
        CHECK(found);
    }
    CHECK(text.find("令和7年11月20日") != std::string::npos);
}

TEST_CASE("The sample admission sheet renders to an XLSX workbook", "[e2e]") {
    TestServer server;
    TempDir dir;
    Response r = server.post("/api/v1/sheets/admission-info/render?format=xlsx", sample("admission-info"));
    REQUIRE(r.status == 200);
    CHECK(r.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    std::string xlsx = writeTemp(dir, "a.xlsx", r.body);
    auto parts = testing_support::zipParts(xlsx);
    CHECK(std::count(parts.begin(), parts.end(), "xl/worksheets/sheet1.xml") == 1);
    CHECK(std::count(parts.begin(), parts.end(), "xl/worksheets/sheet2.xml") == 1);
    std::string workbook = testing_support::zipPart(xlsx, "xl/workbook.xml");
    CHECK(workbook.find("name=\"pt_name\"") != std::string::npos);
    // Text is written into the cells (inline strings), not a shared string table.
    std::string sheet = testing_support::zipPart(xlsx, "xl/worksheets/sheet1.xml");
    auto fields = Poco::JSON::Parser().parse(sample("admission-info")).extract<Poco::JSON::Object::Ptr>()->getObject("fields");
    CHECK(sheet.find("<is><t>" + fields->getValue<std::string>("pt_name") + "</t></is>") != std::string::npos);
}

TEST_CASE("A print job is committed, rendered and spooled with its sidecar", "[e2e]") {
    TestServer server;
    Response r = server.post("/api/v1/jobs", printJob("admission-info"));
    REQUIRE(r.status == 201);
    auto job = r.json();
    std::string id = job->getValue<std::string>("id");
    CHECK(id.size() == 32);
    CHECK(r.headers["Location"] == "/api/v1/jobs/" + id);
    CHECK(job->getValue<std::string>("state") == "spooled");
    CHECK(job->getValue<int>("pageCount") == 2);

    std::string spool = server.dataDir() + "/spool/print/";
    std::string pdf = testing_support::readFile(spool + "new/" + id + ".pdf");
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    CHECK(pdf.find("%%EOF") != std::string::npos);
    auto sidecar = Poco::JSON::Parser().parse(testing_support::readFile(spool + "new/" + id + ".json")).extract<Poco::JSON::Object::Ptr>();
    CHECK(sidecar->getValue<std::string>("jobId") == id);
    CHECK(sidecar->getValue<std::string>("sheet") == "admission-info");
    CHECK(sidecar->getValue<int>("pageCount") == 2);
    CHECK_FALSE(sidecar->getValue<std::string>("createdAt").empty());
    std::vector<std::string> leftovers;
    Poco::File(spool + "tmp").list(leftovers);
    CHECK(leftovers.empty());

    Response again = server.get("/api/v1/jobs/" + id);
    REQUIRE(again.status == 200);
    CHECK(again.json()->getValue<std::string>("state") == "spooled");
    Response doc = server.get("/api/v1/jobs/" + id + "/document?format=pdf");
    REQUIRE(doc.status == 200);
    CHECK(doc.body == pdf);
    Response xlsx = server.get("/api/v1/jobs/" + id + "/document?format=xlsx");
    REQUIRE(xlsx.status == 200);
    CHECK(xlsx.body.rfind("PK", 0) == 0);
    Response events = server.get("/api/v1/jobs/" + id + "/events");
    REQUIRE(events.status == 200);
    auto list = events.json()->getArray("events");
    std::vector<std::string> kinds;
    for (size_t i = 0; i < list->size(); ++i) kinds.push_back(list->getObject(i)->getValue<std::string>("kind"));
    CHECK(kinds == std::vector<std::string>{"accepted", "rendered", "spooled", "downloaded", "downloaded"});
}

TEST_CASE("Bad requests get a 4xx problem document naming each bad field", "[e2e]") {
    TestServer server;
    auto problem = [](const Response& r, int status) {
        INFO(r.body);
        CHECK(r.status == status);
        CHECK(r.contentType.find("application/problem+json") == 0);
        auto body = r.json();
        CHECK(body->getValue<int>("status") == status);
        CHECK_FALSE(body->getValue<std::string>("code").empty());
        CHECK_FALSE(body->getValue<std::string>("requestId").empty());
        return body;
    };
    problem(server.post("/api/v1/jobs", "{\"sheet\": "), 400);
    problem(server.post("/api/v1/jobs", "[1,2]"), 400);
    problem(server.post("/api/v1/jobs", "{\"sheet\":\"nope\",\"fields\":{},\"delivery\":{\"channel\":\"print\"}}"), 404);
    problem(server.get("/api/v1/jobs/0123456789abcdef0123456789abcdef"), 404);
    problem(server.get("/api/v1/jobs/..%2f..%2fetc%2fpasswd"), 404);
    problem(server.get("/api/v1/jobs/%2e%2e"), 404);
    problem(server.get("/nothing/here"), 404);
    problem(request(server.port(), "DELETE", "/api/v1/sheets"), 405);
    problem(server.post("/api/v1/sheets/admission-info/render?format=docx", sample("admission-info")), 422);

    auto body = problem(server.post("/api/v1/jobs", printJob("admission-info",
        R"({"doc_date":"2025-02-30","pt_sex":"x","pt_name":123,"house_floors":"2","bogus":1})")), 422);
    std::map<std::string, std::string> codes;
    auto errors = body->getArray("errors");
    for (size_t i = 0; i < errors->size(); ++i) {
        auto e = errors->getObject(i);
        codes[e->getValue<std::string>("field")] = e->getValue<std::string>("code");
        CHECK_FALSE(e->getValue<std::string>("message").empty());
    }
    CHECK(codes["fields.doc_date"] == "invalid_date");
    CHECK(codes["fields.pt_sex"] == "invalid_option");
    CHECK(codes["fields.pt_name"] == "wrong_type");
    CHECK(codes["fields.house_floors"] == "wrong_type");
    CHECK(codes["fields.bogus"] == "unknown_field");
    CHECK(codes["fields.pt_kana"] == "required");

    problem(request(server.port(), "POST", "/api/v1/jobs", "a=b", {}, "application/x-www-form-urlencoded"), 415);

    // Nothing bad was stored or spooled.
    std::vector<std::string> spooled;
    Poco::File(server.dataDir() + "/spool/print/new").list(spooled);
    CHECK(spooled.empty());
    CHECK(server.get("/healthz").status == 200);
}

TEST_CASE("A body over the configured limit gets 413", "[e2e]") {
    TestServer server([](config::Settings& s) { s.maxBodyBytes = 16384; });
    std::string big(40000, 'x');
    Response r = server.post("/api/v1/jobs", "{\"fields\":\"" + big + "\"}");
    CHECK(r.status == 413);
    CHECK(r.json()->getValue<std::string>("code") == "body_too_large");
    CHECK(server.post("/api/v1/jobs", printJob("admission-info")).status == 201);
}

TEST_CASE("The built binary starts on a free port, serves and stops on SIGTERM", "[e2e][smoke]") {
    TempDir dir;
    int port = freePort();
    Poco::Pipe out;
    Poco::ProcessHandle process = launchBinary(port, dir.file("data"), out);
    CHECK(waitUntilHealthy(port));
    Response r = request(port, "POST", "/api/v1/jobs", printJob("admission-info"));
    CHECK(r.status == 201);
    ::kill(process.id(), SIGTERM);
    CHECK(process.wait() == 0);
    Poco::PipeInputStream in(out);
    std::string log;
    Poco::StreamCopier::copyToString(in, log);
    CHECK(log.find("ready on http://127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(log.find("stopped") != std::string::npos);
    CHECK(Poco::File(dir.file("data/renkei.db")).exists());
}

TEST_CASE("A second server on a port already in use does not start", "[e2e]") {
    TestServer first;
    TempDir dir;
    config::Settings settings = sourceTreeSettings(dir.file("data"));
    settings.port = first.port();
    // With SO_REUSEPORT both would listen and share the connections.
    auto second = startServer(settings);
    REQUIRE_FALSE(second.isOk());
    CHECK(second.status().code() == common::Status::Code::IOError);
    CHECK(second.status().message().find("cannot listen") != std::string::npos);
    CHECK(first.get("/healthz").status == 200);
}

TEST_CASE("An Idempotency-Key replays the original job, another body with it is a conflict", "[e2e][idempotency]") {
    TestServer server;
    const std::string body = printJob("admission-info");
    Response first = server.post("/api/v1/jobs", body, {{"Idempotency-Key", "office-7-2025-11-20-001"}});
    REQUIRE(first.status == 201);
    Response replay = server.post("/api/v1/jobs", body, {{"Idempotency-Key", "office-7-2025-11-20-001"}});
    REQUIRE(replay.status == 200);
    CHECK(replay.json()->getValue<std::string>("id") == first.json()->getValue<std::string>("id"));
    std::string other = printJob("admission-info");
    other.insert(other.find("\"fields\":") , "\"patient_ref\":\"K-12\",");
    Response conflict = server.post("/api/v1/jobs", other, {{"Idempotency-Key", "office-7-2025-11-20-001"}});
    CHECK(conflict.status == 409);
    std::vector<std::string> spooled;
    Poco::File(server.dataDir() + "/spool/print/new").list(spooled);
    CHECK(spooled.size() == 2);  // one job: its pdf and its sidecar
}

TEST_CASE("The same submission twice within the window is refused unless it is deliberate", "[e2e][idempotency]") {
    TestServer server;
    std::string body = printJob("admission-info");
    body.replace(body.find("\"allow_duplicate\":true,"), 23, "");
    Response first = server.post("/api/v1/jobs", body);
    REQUIRE(first.status == 201);
    Response second = server.post("/api/v1/jobs", body);
    REQUIRE(second.status == 409);
    CHECK(second.json()->getValue<std::string>("title").find(first.json()->getValue<std::string>("id")) != std::string::npos);
    Response deliberate = server.post("/api/v1/jobs", printJob("admission-info"));
    CHECK(deliberate.status == 201);
}

TEST_CASE("Invalid UTF-8 bytes in a field are a 422 naming the field, not a malformed body", "[e2e]") {
    TestServer server;
    std::string body = printJob("admission-info");
    const std::string name = "\"pt_name\":\"";
    body.insert(body.find(name) + name.size(), "\xff\xfe");
    Response r = server.post("/api/v1/jobs", body);
    REQUIRE(r.status == 422);
    auto errors = r.json()->getArray("errors");
    REQUIRE(errors->size() == 1);
    CHECK(errors->getObject(0)->getValue<std::string>("field") == "fields.pt_name");
    CHECK(errors->getObject(0)->getValue<std::string>("code") == "invalid_utf8");
    CHECK(server.post("/api/v1/jobs", "{\"sheet\":\"adm\xff").status == 400);
}

TEST_CASE("Issue 13: an unpaired surrogate escape or a noncharacter in a field is a 422 naming the field", "[e2e]") {
    TestServer server;
    auto withName = [](const std::string& escaped) {
        std::string body = printJob("admission-info");
        const std::string name = "\"pt_name\":\"";
        body.insert(body.find(name) + name.size(), escaped);
        return body;
    };
    for (const char* escaped : {"\\ud800", "\\udc00", "\\uDBFF\\u0041", "\\ufffe", "\\u0007"}) {
        INFO(escaped);
        Response r = server.post("/api/v1/jobs", withName(escaped));
        REQUIRE(r.status == 422);
        auto errors = r.json()->getArray("errors");
        REQUIRE(errors->size() == 1);
        CHECK(errors->getObject(0)->getValue<std::string>("field") == "fields.pt_name");
        CHECK(errors->getObject(0)->getValue<std::string>("code") == "invalid_characters");
    }
    CHECK(server.post("/api/v1/jobs", withName("\\ud842\\udfb7")).status == 201);  // 𠮷, a proper pair
    CHECK(server.post("/api/v1/jobs", withName("\\\\ud800")).status == 201);       // an escaped backslash, then text
    std::string ref = printJob("admission-info");
    ref.insert(1, R"("patient_ref":"A\u0007",)");
    Response r = server.post("/api/v1/jobs", ref);
    REQUIRE(r.status == 422);
    CHECK(r.json()->getArray("errors")->getObject(0)->getValue<std::string>("field") == "patient_ref");
}

TEST_CASE("Submissions beyond the configured concurrency and queue get 503 with Retry-After and store nothing",
          "[e2e]") {
    TestServer server([](config::Settings& s) {
        s.jobsConcurrent = 1;
        s.jobsQueue = 0;
        s.duplicateWindowSeconds = 0;  // the same sample may be submitted again
    });
    constexpr int kClients = 12;
    std::vector<Response> responses(kClients);
    std::atomic<int> ready{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.emplace_back([&, i] {
            ++ready;
            while (ready < kClients) std::this_thread::yield();  // all at once
            responses[i] = server.post("/api/v1/jobs", printJob("admission-info"));
        });
    }
    for (auto& c : clients) c.join();
    int accepted = 0, refused = 0;
    for (const Response& r : responses) {
        INFO(r.status << " " << r.body);
        if (r.status == 201) {
            ++accepted;
            continue;
        }
        REQUIRE(r.status == 503);
        ++refused;
        CHECK(r.headers.at("Retry-After") == "1");
        CHECK(r.contentType.rfind("application/problem+json", 0) == 0);
        CHECK(r.json()->getValue<std::string>("code") == "unavailable");
        CHECK(r.json()->getValue<std::string>("title").find("混み合っています") != std::string::npos);
    }
    CHECK(accepted >= 1);
    CHECK(refused >= 1);
    // Only what was acknowledged reached the spool.
    std::vector<std::string> spooled;
    Poco::File(server.dataDir() + "/spool/print/new").list(spooled);
    CHECK(static_cast<int>(spooled.size()) == 2 * accepted);  // each job's PDF and sidecar
}
