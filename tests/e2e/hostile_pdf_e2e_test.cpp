// Issue 21: no attachment can crash the server. Each hostile PDF from
// tests/support/pdf_builder.h goes to a real server as the attachment of a
// print job and of a fax job to a directory partner; each gets a 422 on the
// attachment, nothing is stored, and the server keeps answering.
#include <catch2/catch.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "e2e_support.h"
#include "pdf_builder.h"

using namespace e2e;

namespace {

// A fax of the admission sheet's sample to a partner from the directory.
std::string faxJob() {
    std::ostringstream fields;
    Poco::JSON::Parser().parse(sample("admission-info")).extract<Poco::JSON::Object::Ptr>()->getObject("fields")->stringify(fields);
    return R"({"sheet":"admission-info","allow_duplicate":true,"delivery":{"channel":"fax","partner":"toko-shirakaba"},)"
           R"("fields":)" + fields.str() + "}";
}

// job (a JSON object) with one attachment added.
std::string withAttachment(std::string job, const std::string& name, const std::string& bytes) {
    job.pop_back();  // the closing brace
    return job + R"(,"attachments":[{"name":")" + name + R"(","contentBase64":")" + base64(bytes) + R"("}]})";
}

}  // namespace

TEST_CASE("Issue 21: hostile PDF attachments get 422 on print and fax jobs and the server keeps running",
          "[e2e][security]") {
    TestServer server;
    for (const auto& pdf : testing_support::hostilePdfs()) {
        for (const auto& [channel, job] : {std::pair{"print", printJob("admission-info")}, std::pair{"fax", faxJob()}}) {
            INFO(pdf.name << " as the attachment of a " << channel << " job");
            Response r = server.post("/api/v1/jobs", withAttachment(job, pdf.name, pdf.bytes));
            REQUIRE(r.status == 422);
            auto errors = r.json()->getArray("errors");
            REQUIRE(errors->size() == 1);
            CHECK(errors->getObject(0)->getValue<std::string>("field") == "attachments[0].contentBase64");
            CHECK(errors->getObject(0)->getValue<std::string>("code") == pdf.code);
            CHECK(errors->getObject(0)->getValue<std::string>("message").find("「" + pdf.name + "」") != std::string::npos);
            REQUIRE(server.get("/healthz").status == 200);
        }
    }
    CHECK(server.get("/api/v1/jobs").json()->getValue<long long>("total") == 0);
}

TEST_CASE("A readable PDF attachment is still accepted and appended on print and fax jobs", "[e2e]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; });
    testing_support::TempDir dir;
    const int sheetPages = server.post("/api/v1/jobs", printJob("admission-info")).json()->getValue<int>("pageCount");
    Response print = server.post("/api/v1/jobs", withAttachment(printJob("admission-info"), "care-plan.pdf",
                                                                testing_support::simplePdf(2)));
    REQUIRE(print.status == 201);
    CHECK(print.json()->getValue<int>("pageCount") == sheetPages + 2);
    const std::string id = print.json()->getValue<std::string>("id");
    testing_support::writeFile(dir.file("print.pdf"), server.get("/api/v1/jobs/" + id + "/document?format=pdf").body);
    CHECK(testing_support::pdfPageCount(dir.file("print.pdf")) == sheetPages + 2);

    Response fax = server.post("/api/v1/jobs", withAttachment(faxJob(), "care-plan.pdf", testing_support::simplePdf(2)));
    REQUIRE(fax.status == 201);
    const std::string faxId = fax.json()->getValue<std::string>("id");
    testing_support::writeFile(dir.file("fax.pdf"), server.get("/api/v1/jobs/" + faxId + "/document?format=fax_pdf").body);
    CHECK(testing_support::pdfPageCount(dir.file("fax.pdf")) == fax.json()->getValue<int>("pageCount"));
    CHECK(fax.json()->getValue<int>("pageCount") == 1 + sheetPages + 2);  // cover, sheet, attachment
}
