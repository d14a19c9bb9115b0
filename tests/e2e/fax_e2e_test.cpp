// Fax delivery end to end (issue 5): directory partners, hold and cancel, the
// gateway contract with the simulator, retry, masking, the cover's page count.
#include <catch2/catch.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>

#include <sstream>

#include "e2e_support.h"
#include "inbound/code_reader.h"
#include "inbound/pdf_pages.h"
#include "reply/reply_ref.h"

using namespace e2e;

namespace {

Poco::JSON::Object::Ptr sampleFields(const std::string& sheet) {
    return Poco::JSON::Parser().parse(sample(sheet)).extract<Poco::JSON::Object::Ptr>()->getObject("fields");
}

std::string faxJob(const std::string& deliveryJson, const std::string& extra = "") {
    std::ostringstream fields;
    sampleFields("admission-info")->stringify(fields);
    return R"({"sheet":"admission-info","allow_duplicate":true,"delivery":)" + deliveryJson + extra +
           R"(,"fields":)" + fields.str() + "}";
}

// Runs the gateway simulator once over the fax spool.
void runGateway(const TestServer& server, const std::string& outcome) {
    auto r = testing_support::run({RENKEI_FAX_SIM, "--spool", server.dataDir() + "/spool/fax", "--outcome", outcome, "--once"});
    REQUIRE(r.exitCode == 0);
}

// Polls the job until it reaches `state` (at most ~5 s).
Poco::JSON::Object::Ptr waitFor(const TestServer& server, const std::string& id, const std::string& state) {
    Poco::JSON::Object::Ptr job;
    for (int i = 0; i < 100; ++i) {
        job = server.get("/api/v1/jobs/" + id).json();
        if (job->getValue<std::string>("state") == state) return job;
        Poco::Thread::sleep(50);
    }
    FAIL("job " << id << " stayed " << job->getValue<std::string>("state") << ", expected " << state);
    return job;
}

std::vector<std::string> list(const std::string& dir) {
    std::vector<std::string> names;
    Poco::File(dir).list(names);
    std::sort(names.begin(), names.end());
    return names;
}

std::string stripSpace(std::string s) {
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\f'; }), s.end());
    return s;
}

const auto kShortHold = [](config::Settings& s) {
    s.faxHoldSeconds = 1;
    s.dispatchPollMs = 50;
};

}  // namespace

TEST_CASE("The partner directory is listed and searched by name and kind", "[e2e][fax]") {
    TestServer server;
    auto all = server.get("/api/v1/partners").json()->getArray("partners");
    CHECK(all->size() >= 5);
    auto hospitals = server.get("/api/v1/partners?kind=hospital").json()->getArray("partners");
    for (size_t i = 0; i < hospitals->size(); ++i)
        CHECK(hospitals->getObject(i)->getValue<std::string>("kind") == "hospital");
    auto found = server.get("/api/v1/partners?q=%E3%81%97%E3%82%89%E3%81%8B%E3%81%B0").json()->getArray("partners");  // しらかば
    REQUIRE(found->size() == 1);
    CHECK(found->getObject(0)->getValue<std::string>("id") == "toko-shirakaba");
    CHECK(server.get("/api/v1/partners?kind=bank").status == 422);
}

TEST_CASE("A fax job goes through hold, spool and the gateway and ends sent with its time", "[e2e][fax]") {
    TestServer server(kShortHold);
    Response r = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"toko-shirakaba"})"));
    REQUIRE(r.status == 201);
    auto job = r.json();
    const std::string id = job->getValue<std::string>("id");
    CHECK(job->getValue<std::string>("state") == "held");
    CHECK(job->getObject("delivery")->getValue<std::string>("faxNumber") == "0166001235");
    CHECK(job->getObject("delivery")->getValue<bool>("verified"));
    waitFor(server, id, "spooled");
    const std::string spool = server.dataDir() + "/spool/fax/";
    CHECK(list(spool + "new") == std::vector<std::string>{id + ".json", id + ".pdf"});
    auto control = Poco::JSON::Parser().parse(testing_support::readFile(spool + "new/" + id + ".json")).extract<Poco::JSON::Object::Ptr>();
    CHECK(control->getValue<std::string>("number") == "0166001235");
    CHECK(control->getObject("recipient")->getValue<std::string>("name") == "東光しらかば記念病院");

    // The cover states the real page count, cover included.
    testing_support::TempDir dir;
    testing_support::writeFile(dir.file("fax.pdf"), testing_support::readFile(spool + "new/" + id + ".pdf"));
    const int pages = testing_support::pdfPageCount(dir.file("fax.pdf"));
    CHECK(pages == 3);
    CHECK(control->getValue<int>("pageCount") == pages);
    std::string text = testing_support::pdfText(dir.file("fax.pdf"));
    CHECK(text.find("FAX送付状") != std::string::npos);
    CHECK(text.find("0166-00-1235") != std::string::npos);
    CHECK(stripSpace(text).find("送信枚数(本紙を含む)" ) != std::string::npos);
    CHECK(stripSpace(text).find(std::to_string(pages) + "枚") != std::string::npos);

    runGateway(server, "sent");
    auto sent = waitFor(server, id, "sent");
    CHECK_FALSE(sent->getValue<std::string>("sentAt").empty());
    CHECK(list(spool + "done") == std::vector<std::string>{id + ".json", id + ".pdf", id + ".result.json"});
}

TEST_CASE("A failed fax is not resent by itself, a retry is a new attempt that can succeed", "[e2e][fax]") {
    TestServer server(kShortHold);
    const std::string id = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"asahi-minami"})")).json()->getValue<std::string>("id");
    waitFor(server, id, "spooled");
    runGateway(server, "busy");
    auto failed = waitFor(server, id, "failed");
    CHECK(failed->getObject("error")->getValue<std::string>("code") == "delivery_failed");
    Poco::Thread::sleep(300);
    const std::string spool = server.dataDir() + "/spool/fax/";
    CHECK(list(spool + "new").empty());  // nothing went out again on its own

    CHECK(server.post("/api/v1/jobs/" + id + "/retry", "").status == 202);
    auto again = waitFor(server, id, "spooled");
    CHECK(again->getValue<int>("attempt") == 2);
    runGateway(server, "sent");
    waitFor(server, id, "sent");
    CHECK(Poco::File(spool + "failed/" + id + ".attempt1.pdf").exists());
    CHECK(server.post("/api/v1/jobs/" + id + "/retry", "").status == 409);
}

TEST_CASE("A fax cancelled within its hold window leaves nothing in the spool", "[e2e][fax]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 30; s.dispatchPollMs = 50; });
    const std::string id = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"toko-shirakaba"})")).json()->getValue<std::string>("id");
    Response cancelled = request(server.port(), "DELETE", "/api/v1/jobs/" + id);
    REQUIRE(cancelled.status == 200);
    CHECK(cancelled.json()->getValue<std::string>("state") == "cancelled");
    Poco::Thread::sleep(300);
    const std::string spool = server.dataDir() + "/spool/fax/";
    for (const char* dir : {"tmp", "new", "done", "failed"}) CHECK(list(spool + dir).empty());
    CHECK(request(server.port(), "DELETE", "/api/v1/jobs/" + id).status == 409);
}

TEST_CASE("Masking shows in the faxed PDF and never in the stored copy", "[e2e][fax]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; });
    auto fields = sampleFields("admission-info");
    const std::string name = fields->getValue<std::string>("pt_name");
    const std::string street = fields->getValue<std::string>("pt_address");
    struct Case {
        const char* partner;
        const char* mask;
    };
    for (Case c : {Case{"toko-shirakaba", "initials"}, Case{"asahi-minami", "partial"}, Case{"higashi-yamanami", "none"}}) {
        INFO(c.mask);
        auto job = server.post("/api/v1/jobs", faxJob(std::string(R"({"channel":"fax","partner":")") + c.partner + "\"}")).json();
        const std::string id = job->getValue<std::string>("id");
        CHECK(job->getObject("delivery")->getValue<std::string>("mask") == c.mask);
        testing_support::TempDir dir;
        testing_support::writeFile(dir.file("fax.pdf"), server.get("/api/v1/jobs/" + id + "/document?format=fax_pdf").body);
        testing_support::writeFile(dir.file("copy.pdf"), server.get("/api/v1/jobs/" + id + "/document?format=pdf").body);
        std::string fax = stripSpace(testing_support::pdfText(dir.file("fax.pdf")));
        std::string copy = stripSpace(testing_support::pdfText(dir.file("copy.pdf")));
        CHECK(copy.find(stripSpace(name)) != std::string::npos);
        CHECK(copy.find(stripSpace(street)) != std::string::npos);
        if (std::string(c.mask) == "none") {
            CHECK(fax.find(stripSpace(name)) != std::string::npos);
        } else {
            CHECK(fax.find(stripSpace(name)) == std::string::npos);
            CHECK(fax.find(stripSpace(street)) == std::string::npos);
            CHECK(fax.find("旭川市") != std::string::npos);
            CHECK(fax.find(std::string(c.mask) == "partial" ? "●" : "・") != std::string::npos);
        }
    }
}

TEST_CASE("Raw fax numbers are refused unless allowed, then checked, normalised and marked unverified", "[e2e][fax]") {
    {
        TestServer server;
        Response r = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","number":"0166-00-7777"})"));
        REQUIRE(r.status == 422);
        CHECK(r.json()->getArray("errors")->getObject(0)->getValue<std::string>("field") == "delivery.number");
        Response unknown = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"no-such-desk"})"));
        REQUIRE(unknown.status == 422);
        CHECK(unknown.json()->getArray("errors")->getObject(0)->getValue<std::string>("code") == "unknown_partner");
    }
    TestServer server([](config::Settings& s) { s.faxAllowAdHocNumbers = true; });
    Response bad = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","number":"090-0000-1234"})"));
    CHECK(bad.status == 422);
    Response ok = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","number":"０１６６－００－７７７７"})"));
    REQUIRE(ok.status == 201);
    auto delivery = ok.json()->getObject("delivery");
    CHECK(delivery->getValue<std::string>("faxNumber") == "0166007777");
    CHECK_FALSE(delivery->getValue<bool>("verified"));
}

TEST_CASE("Several documents and a PDF attachment go out in order and are counted on the cover", "[e2e][fax]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; });
    // A PDF made by the service itself stands in for a care plan.
    std::string attachment = server.post("/api/v1/sheets/physician-contact/render?format=pdf", sample("physician-contact")).body;
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << attachment;
    encoder.close();
    std::ostringstream a, b;
    sampleFields("admission-info")->stringify(a);
    sampleFields("physician-contact")->stringify(b);
    std::string body = R"({"delivery":{"channel":"fax","partner":"toko-shirakaba"},"allow_duplicate":true,)"
                       R"("documents":[{"sheet":"admission-info","fields":)" + a.str() + R"(},{"sheet":"physician-contact","fields":)" + b.str() +
                       R"(}],"attachments":[{"name":"care-plan.pdf","contentBase64":")" + encoded.str() + R"("}],)"
                       R"("cover":{"message":"ご確認をお願いいたします。","reply_needed":"yes","reply_deadline":"2025-11-27"}})";
    Response r = server.post("/api/v1/jobs", body);
    REQUIRE(r.status == 201);
    auto job = r.json();
    CHECK(job->getValue<int>("pageCount") == 1 + 2 + 1 + 1);
    testing_support::TempDir dir;
    testing_support::writeFile(dir.file("fax.pdf"), server.get("/api/v1/jobs/" + job->getValue<std::string>("id") + "/document?format=fax_pdf").body);
    CHECK(testing_support::pdfPageCount(dir.file("fax.pdf")) == 5);
    std::string text = stripSpace(testing_support::pdfText(dir.file("fax.pdf")));
    CHECK(text.find("5枚") != std::string::npos);
    CHECK(text.find("ご確認をお願いいたします。") != std::string::npos);
    CHECK(text.find("添付資料1件") != std::string::npos);
    Response broken = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"toko-shirakaba"})",
                                                          R"(,"attachments":[{"name":"x.pdf","contentBase64":"bm90IGEgcGRm"}])"));
    REQUIRE(broken.status == 422);
    CHECK(broken.json()->getArray("errors")->getObject(0)->getValue<std::string>("code") == "invalid_pdf");
}

TEST_CASE("Issue 13: the cover message is checked like a field and its CRLF line breaks print", "[e2e][fax]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; });  // the fax is composed as it goes out
    const std::string delivery = R"({"channel":"fax","partner":"toko-shirakaba"})";
    Response bad = server.post("/api/v1/jobs", faxJob(delivery, R"(,"cover":{"message":"一行目\r\n二行目\ufffe"})"));
    REQUIRE(bad.status == 422);
    auto error = bad.json()->getArray("errors")->getObject(0);
    CHECK(error->getValue<std::string>("field") == "cover.message");
    CHECK(error->getValue<std::string>("code") == "invalid_characters");
    CHECK(error->getValue<std::string>("message").find("U+FFFE") != std::string::npos);

    Response ok = server.post("/api/v1/jobs", faxJob(delivery, R"(,"cover":{"message":"一行目\r\n二行目"})"));
    REQUIRE(ok.status == 201);
    testing_support::TempDir dir;
    testing_support::writeFile(dir.file("fax.pdf"), server.get("/api/v1/jobs/" + ok.json()->getValue<std::string>("id") + "/document?format=fax_pdf").body);
    std::string text = testing_support::pdfText(dir.file("fax.pdf"));
    CHECK(text.find("一行目\n二行目") != std::string::npos);
}

TEST_CASE("A receipt confirmation is recorded once the fax went out", "[e2e][fax]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; s.dispatchPollMs = 50; });
    const std::string id = server.post("/api/v1/jobs", faxJob(R"({"channel":"fax","partner":"toko-shirakaba"})")).json()->getValue<std::string>("id");
    CHECK(server.post("/api/v1/jobs/" + id + "/receipt", R"({"person":""})").status == 422);
    Response ok = server.post("/api/v1/jobs/" + id + "/receipt", R"({"at":"2025-11-20T15:20:00+09:00","person":"北野","method":"phone"})");
    REQUIRE(ok.status == 200);
    CHECK(ok.json()->getObject("receipt")->getValue<std::string>("person") == "北野");
}

TEST_CASE("Issue 18: every page of a fax and of the stored copy carries its job's reply code, read back at fax resolution",
          "[e2e][fax][codes]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 0; });
    std::ostringstream a, b;
    sampleFields("admission-info")->stringify(a);
    sampleFields("physician-contact")->stringify(b);
    auto submit = [&] {
        std::string body = R"({"delivery":{"channel":"fax","partner":"toko-shirakaba"},"allow_duplicate":true,)"
                           R"("documents":[{"sheet":"admission-info","fields":)" + a.str() +
                           R"(},{"sheet":"physician-contact","fields":)" + b.str() + R"(}]})";
        Response r = server.post("/api/v1/jobs", body);
        REQUIRE(r.status == 201);
        return r.json();
    };
    auto job = submit();
    auto other = submit();
    const std::string id = job->getValue<std::string>("id");
    const std::string shown = job->getValue<std::string>("replyRef");
    auto ref = reply::parseReplyRef(shown);
    REQUIRE(ref);
    // Random per job, not the id.
    CHECK(other->getValue<std::string>("replyRef") != shown);
    std::string upperId;
    for (char c : id) upperId += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(upperId.find(*ref) == std::string::npos);
    CHECK(server.get("/api/v1/jobs/" + id).json()->getValue<std::string>("replyRef") == shown);

    // What each page should carry: the fax is cover (0), admission-info (1: 2 pages), physician-contact (2: 1 page,
    // with a reply half); the stored copy the two sheets.
    struct Expect {
        int document, page;
        bool replyHalf;
    };
    const std::vector<Expect> fax = {{0, 1, false}, {1, 1, false}, {1, 2, false}, {2, 1, true}};
    const std::vector<Expect> stored = {{1, 1, false}, {1, 2, false}, {2, 1, true}};
    for (const auto& [format, expected] : {std::make_pair(std::string("fax_pdf"), fax), std::make_pair(std::string("pdf"), stored)}) {
        const std::string pdf = server.get("/api/v1/jobs/" + id + "/document?format=" + format).body;
        testing_support::TempDir dir;
        testing_support::writeFile(dir.file("out.pdf"), pdf);
        CHECK(stripSpace(testing_support::pdfText(dir.file("out.pdf"))).find(shown) != std::string::npos);
        for (double yDpi : {98.0, 196.0}) {
            auto pages = inbound::rasterizePdf(pdf, 204, yDpi, inbound::RasterLimits());
            REQUIRE(pages);
            REQUIRE(pages->size() == expected.size());
            for (size_t i = 0; i < pages->size(); ++i) {
                INFO(format << " page " << i + 1 << " at 204x" << yDpi);
                auto codes = inbound::readCodes((*pages)[i]);
                REQUIRE(!codes.empty());
                bool page = false, half = false;
                for (const auto& c : codes) {
                    CHECK(c.ref == *ref);
                    CHECK(c.document == expected[i].document);
                    CHECK(c.page == expected[i].page);
                    (c.part == reply::CodePart::ReplyHalf ? half : page) = true;
                }
                CHECK(page);
                CHECK(half == expected[i].replyHalf);
            }
        }
    }
}
