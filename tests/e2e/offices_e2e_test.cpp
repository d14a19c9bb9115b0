// Issue 15: one server for a whole city. Two offices on one server, each with
// its own token, profile and idempotency keys, tried against each other; the
// sender block signed by the office's profile; conflicts that say what they
// are; tokens revoked by a reload; one server per data folder.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>

#include <csignal>

#include "auth/token_registry.h"
#include "e2e_support.h"

using namespace e2e;
using Poco::JSON::Object;

namespace {

const char* const kOffices =
    "id,name,office_no,address,phone,fax,business_days,open,close,closed_days,care_managers\n"
    "harunire-no-oka,居宅介護支援事業所 はるにれの丘,0170000999,北海道旭川市末広3条9丁目0番1号 はるにれビル2階,"
    "0166-00-5678,0166-00-5679,mon tue wed thu fri,09:00,18:00,,春野 恵子;秋山 一郎\n"
    "nanakamado,居宅介護支援センター ななかまど,0170000888,北海道旭川市永山2条4丁目0番8号,0166-00-7720,0166-00-7721,"
    "mon tue wed thu fri sat,08:30,17:30,,白石 直美\n";

struct City {
    testing_support::TempDir dir;
    std::string officesFile = dir.file("offices.csv");
    std::string tokensFile = dir.file("tokens.csv");
    auth::NewToken a = auth::newToken("harunire-desk", "harunire-no-oka", auth::Role::Submitter);
    auth::NewToken b = auth::newToken("nanakamado-desk", "nanakamado", auth::Role::Submitter);
    auth::NewToken admin = auth::newToken("city-it", "harunire-no-oka", auth::Role::Admin);

    City() {
        testing_support::writeFile(officesFile, kOffices);
        writeTokens({a.line, b.line, admin.line});
    }
    void writeTokens(const std::vector<std::string>& lines) const {
        std::string text = "name,office,role,sha256,status\n";
        for (const auto& l : lines) text += l + "\n";
        testing_support::writeFile(tokensFile, text);
    }
    std::function<void(config::Settings&)> settings() const {
        return [this](config::Settings& s) {
            s.officesFile = officesFile;
            s.tokensFile = tokensFile;
        };
    }
};

std::map<std::string, std::string> bearer(const std::string& token, const std::string& key = "") {
    std::map<std::string, std::string> h{{"Authorization", "Bearer " + token}};
    if (!key.empty()) h["Idempotency-Key"] = key;
    return h;
}

// The sample's fields as JSON (signed by はるにれの丘, as the samples are).
std::string signedFields(const std::string& sheet = "admission-info") {
    Object::Ptr fields = Poco::JSON::Parser().parse(sample(sheet)).extract<Object::Ptr>()->getObject("fields");
    std::ostringstream f;
    fields->stringify(f);
    return f.str();
}

// The same without the sender block (the office's profile signs it).
std::string unsignedFields(const std::string& sheet = "admission-info") {
    Object::Ptr fields = Poco::JSON::Parser().parse(signedFields(sheet)).extract<Object::Ptr>();
    for (const char* key : {"sender_office_name", "sender_office_no", "sender_address", "sender_cm_name",
                            "sender_phone", "sender_fax"})
        fields->remove(key);
    std::ostringstream f;
    fields->stringify(f);
    return f.str();
}

// A print job of the sheet's sample without its sender block, with extra fields
// ("\"key\": value, ...") put in.
std::string unsignedJob(const std::string& sheet = "admission-info", const std::string& extraFields = "") {
    std::string json = unsignedFields(sheet);
    if (!extraFields.empty()) json = "{" + extraFields + "," + json.substr(1);
    return R"({"sheet": ")" + sheet + R"(", "delivery": {"channel": "print"}, "fields": )" + json + "}";
}

// The job body with the office's own client reference: another submission.
std::string withPatientRef(const std::string& job, const std::string& ref) {
    return R"({"patient_ref": ")" + ref + "\", " + job.substr(1);
}

std::string pdfOf(const TestServer& server, const std::string& id, const std::string& token,
                  const testing_support::TempDir& dir) {
    Response pdf = request(server.port(), "GET", "/api/v1/jobs/" + id + "/document?format=pdf", "", bearer(token));
    REQUIRE(pdf.status == 200);
    const std::string path = dir.file(id + ".pdf");
    testing_support::writeFile(path, pdf.body);
    return testing_support::stripSpace(testing_support::pdfText(path));
}

std::vector<std::string> fieldsOf(const Response& r) {
    std::vector<std::string> out;
    auto errors = r.json()->getArray("errors");
    for (size_t i = 0; errors && i < errors->size(); ++i)
        out.push_back(errors->getObject(i)->getValue<std::string>("field") + ":" +
                      errors->getObject(i)->getValue<std::string>("code"));
    return out;
}

// The raw status line of a request, as the client reads it.
std::string statusLine(int port, const std::string& method, const std::string& path, const std::string& body,
                       const std::string& token) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body;
    socket.sendBytes(req.data(), static_cast<int>(req.size()));
    std::string answer;
    char buffer[4096];
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<size_t>(n));
    return answer.substr(0, answer.find("\r\n"));
}

}  // namespace

TEST_CASE("Issue 15: each office's sheets are signed by its own profile, and cannot sign as another", "[e2e][offices]") {
    City city;
    TestServer server(city.settings());
    testing_support::TempDir out;

    Response a = request(server.port(), "POST", "/api/v1/jobs", unsignedJob("admission-info", R"("sender_cm_name": "秋山　一郎")"),
                         bearer(city.a.token));
    INFO(a.body);
    REQUIRE(a.status == 201);
    const std::string textA = pdfOf(server, a.json()->getValue<std::string>("id"), city.a.token, out);
    CHECK(textA.find("はるにれの丘") != std::string::npos);
    CHECK(textA.find("0170000999") != std::string::npos);
    CHECK(textA.find("秋山一郎") != std::string::npos);
    CHECK(textA.find("ななかまど") == std::string::npos);

    // Office B's only care manager signs when none is given.
    Response b = request(server.port(), "POST", "/api/v1/jobs", unsignedJob(), bearer(city.b.token));
    REQUIRE(b.status == 201);
    const std::string textB = pdfOf(server, b.json()->getValue<std::string>("id"), city.b.token, out);
    CHECK(textB.find("ななかまど") != std::string::npos);
    CHECK(textB.find("白石直美") != std::string::npos);
    CHECK(textB.find("0166-00-7721") != std::string::npos);
    CHECK(textB.find("はるにれの丘") == std::string::npos);

    // B sending A's signed sample: every disagreeing sender field is named.
    Response forged = request(server.port(), "POST", "/api/v1/jobs", printJob("admission-info"), bearer(city.b.token));
    REQUIRE(forged.status == 422);
    auto fields = fieldsOf(forged);
    for (const char* expected :
         {"fields.sender_office_name:sender_mismatch", "fields.sender_office_no:sender_mismatch",
          "fields.sender_address:sender_mismatch", "fields.sender_phone:sender_mismatch",
          "fields.sender_fax:sender_mismatch", "fields.sender_cm_name:unknown_care_manager"}) {
        INFO(expected);
        CHECK(std::find(fields.begin(), fields.end(), expected) != fields.end());
    }
    // The same values written differently are the same office: full-width digits, other spaces.
    Response same = request(server.port(), "POST", "/api/v1/jobs",
                            unsignedJob("discharge-liaison", R"("sender_fax": "０１６６-００-５６７９", "sender_office_name": "居宅介護支援事業所　はるにれの丘", "sender_cm_name": "春野 恵子")"),
                            bearer(city.a.token));
    CHECK(same.status == 201);
    // A care manager of the other office is refused, in any document of a job.
    Response multi = request(server.port(), "POST", "/api/v1/jobs",
                             R"({"delivery": {"channel": "print"}, "documents": [{"sheet": "admission-info", "fields": )" + unsignedFields() +
                                 R"(}, {"sheet": "welfare-equipment", "fields": {"sender_cm_name": "白石 直美"}}]})",
                             bearer(city.a.token));
    REQUIRE(multi.status == 422);
    auto multiFields = fieldsOf(multi);
    CHECK(std::find(multiFields.begin(), multiFields.end(), "documents[1].fields.sender_cm_name:unknown_care_manager") !=
          multiFields.end());
    // The preview route signs with the caller's office as well.
    const std::string signedByA = R"({"fields": )" + signedFields() + "}";
    Response preview = request(server.port(), "POST", "/api/v1/sheets/admission-info/render", signedByA, bearer(city.b.token));
    CHECK(preview.status == 422);
    CHECK(request(server.port(), "POST", "/api/v1/sheets/admission-info/render", signedByA, bearer(city.a.token)).status == 200);
}

TEST_CASE("Issue 15: idempotency keys and duplicates are each office's own, and no answer names another office's job",
          "[e2e][offices]") {
    City city;
    TestServer server(city.settings());
    const std::string job = unsignedJob("admission-info", R"("sender_cm_name": "春野 恵子")");
    Response a1 = request(server.port(), "POST", "/api/v1/jobs", job, bearer(city.a.token, "month-end-0001"));
    INFO(a1.body);
    REQUIRE(a1.status == 201);
    const std::string idA = a1.json()->getValue<std::string>("id");

    // Office B with the same key (and the same sheet, signed by B): its own new job; nothing of A's shows.
    Response b1 = request(server.port(), "POST", "/api/v1/jobs", unsignedJob(), bearer(city.b.token, "month-end-0001"));
    REQUIRE(b1.status == 201);
    const std::string idB = b1.json()->getValue<std::string>("id");
    CHECK(idB != idA);
    CHECK(b1.body.find(idA) == std::string::npos);
    // B with the same key and another body: B's own conflict, naming B's job only.
    Response b2 = request(server.port(), "POST", "/api/v1/jobs", withPatientRef(unsignedJob(), "B-0002"),
                          bearer(city.b.token, "month-end-0001"));
    REQUIRE(b2.status == 409);
    CHECK(b2.json()->getValue<std::string>("code") == "idempotency_key_reused");
    CHECK(b2.json()->getValue<std::string>("jobId") == idB);
    CHECK(b2.body.find(idA) == std::string::npos);
    // A replays: its own job again.
    Response a2 = request(server.port(), "POST", "/api/v1/jobs", job, bearer(city.a.token, "month-end-0001"));
    CHECK(a2.status == 200);
    CHECK(a2.json()->getValue<std::string>("id") == idA);
    // The same content again without a key, within the window: a duplicate of the office's own job.
    Response dup = request(server.port(), "POST", "/api/v1/jobs", job, bearer(city.a.token));
    REQUIRE(dup.status == 409);
    CHECK(dup.json()->getValue<std::string>("code") == "duplicate_submission");
    CHECK(dup.json()->getValue<std::string>("jobId") == idA);
    CHECK(dup.body.find(idB) == std::string::npos);

    // Cancelling a spooled print job, retrying one that did not fail: distinct codes, the job named.
    Response cancel = request(server.port(), "DELETE", "/api/v1/jobs/" + idA, "", bearer(city.a.token));
    REQUIRE(cancel.status == 409);
    CHECK(cancel.json()->getValue<std::string>("code") == "not_cancellable");
    CHECK(cancel.json()->getValue<std::string>("jobId") == idA);
    Response retry = request(server.port(), "POST", "/api/v1/jobs/" + idA + "/retry", "", bearer(city.a.token));
    REQUIRE(retry.status == 409);
    CHECK(retry.json()->getValue<std::string>("code") == "not_retryable");
    CHECK(retry.json()->getValue<std::string>("jobId") == idA);
    // Another office's job stays invisible: 404, not 409.
    CHECK(request(server.port(), "DELETE", "/api/v1/jobs/" + idA, "", bearer(city.b.token)).status == 404);

    // Status lines carry their reason phrases.
    CHECK(statusLine(server.port(), "POST", "/api/v1/jobs", R"({"allow_duplicate": true, )" + unsignedJob().substr(1), city.b.token) ==
          "HTTP/1.1 201 Created");
    CHECK(statusLine(server.port(), "POST", "/api/v1/jobs", job, city.a.token) == "HTTP/1.1 409 Conflict");
    CHECK(statusLine(server.port(), "GET", "/api/v1/jobs/" + idA, "", city.a.token) == "HTTP/1.1 200 OK");

    // The audit trail names the token that was used.
    Response audit = request(server.port(), "GET", "/api/v1/audit?office=nanakamado", "", bearer(city.admin.token));
    REQUIRE(audit.status == 200);
    auto entries = audit.json()->getArray("entries");
    REQUIRE(entries->size() > 0);
    for (size_t i = 0; i < entries->size(); ++i) CHECK(entries->getObject(i)->getValue<std::string>("token") == "nanakamado-desk");
}

TEST_CASE("Issue 15: a token is issued only for a registered office, and the server refuses tokens of unknown offices",
          "[e2e][offices]") {
    City city;
    auto stray = auth::newToken("stray", "no-such-office", auth::Role::Submitter);
    city.writeTokens({city.a.line, stray.line});
    TestServer server(city.settings());
    CHECK(request(server.port(), "GET", "/api/v1/jobs", "", bearer(stray.token)).status == 401);
    CHECK(request(server.port(), "GET", "/api/v1/jobs", "", bearer(city.a.token)).status == 200);

    const std::string config = city.dir.file("renkei.properties");
    testing_support::writeFile(config, "offices.file = " + city.officesFile + "\n");
    auto refused = testing_support::run({RENKEI_BINARY, "token", "new", "--office", "nosuch", "--role", "submitter",
                                         "--config", config});
    CHECK(refused.exitCode != 0);
    CHECK(refused.output.find("nosuch") != std::string::npos);
    CHECK(refused.output.find("rk_") == std::string::npos);
    auto issued = testing_support::run({RENKEI_BINARY, "token", "new", "--office", "nanakamado", "--role", "submitter",
                                        "--config", config});
    CHECK(issued.exitCode == 0);
    CHECK(issued.output.find(",nanakamado,submitter,") != std::string::npos);
    for (std::vector<std::string> help : {std::vector<std::string>{RENKEI_BINARY, "--help"},
                                          std::vector<std::string>{RENKEI_BINARY, "token", "--help"}}) {
        auto shown = testing_support::run(help);
        CHECK(shown.exitCode == 0);
        CHECK(shown.output.find("usage: renkei") != std::string::npos);
    }
}

TEST_CASE("Issue 15: SIGHUP reloads tokens and offices, and a revoked token is refused from the next request on",
          "[e2e][offices]") {
    City city;
    const int port = freePort();
    const std::string config = city.dir.file("renkei.properties");
    testing_support::writeFile(config, "offices.file = " + city.officesFile + "\nauth.tokensFile = " + city.tokensFile +
                                           "\ndata.dir = " + city.dir.file("data") + "\nserver.port = " +
                                           std::to_string(port) + "\ntemplates.dir = " +
                                           testing_support::sourcePath("templates") + "\npartners.file = " +
                                           testing_support::sourcePath("config/partners.csv") + "\nweb.dir =\n");
    Poco::Pipe output;
    Poco::ProcessHandle process = Poco::Process::launch(RENKEI_BINARY, {"--config", config},
                                                        testing_support::sourcePath(""), nullptr, &output, &output);
    REQUIRE(waitUntilHealthy(port));
    Response before = request(port, "GET", "/api/v1/jobs", "", bearer(city.b.token));
    CHECK(before.status == 200);

    // A second server on the same data folder refuses to start, and says why.
    const int otherPort = freePort();
    auto second = testing_support::run({RENKEI_BINARY, "--config", config, "--port", std::to_string(otherPort)});
    CHECK(second.exitCode != 0);
    CHECK(second.output.find("in use by another Renkei server") != std::string::npos);

    // Revoke B's token, add a third office with its token, reload.
    auto c = auth::newToken("kobushi-desk", "kobushi", auth::Role::Submitter);
    testing_support::writeFile(city.officesFile,
                               std::string(kOffices) +
                                   "kobushi,指定居宅介護支援事業所 こぶし,,北海道旭川市春光台1条0丁目,0166-00-8810,0166-00-8811,,,,,\n");
    std::string revokedB = city.b.line.substr(0, city.b.line.rfind(',')) + ",revoked";
    city.writeTokens({city.a.line, revokedB, c.line});
    CHECK(request(port, "GET", "/api/v1/jobs", "", bearer(c.token)).status == 401);  // not yet
    ::kill(process.id(), SIGHUP);
    bool reloaded = false;
    for (int i = 0; i < 100 && !reloaded; ++i) {
        reloaded = request(port, "GET", "/api/v1/jobs", "", bearer(c.token)).status == 200;
        if (!reloaded) Poco::Thread::sleep(50);
    }
    CHECK(reloaded);
    CHECK(request(port, "GET", "/api/v1/jobs", "", bearer(city.b.token)).status == 401);
    CHECK(request(port, "GET", "/api/v1/jobs", "", bearer(city.a.token)).status == 200);
    // The new office signs its own sheets (no care managers listed: any name).
    Response kobushi = request(port, "POST", "/api/v1/jobs", unsignedJob("admission-info", R"("sender_cm_name": "こぶし 花子")"),
                               bearer(c.token));
    CHECK(kobushi.status == 201);

    ::kill(process.id(), SIGTERM);
    CHECK(process.wait() == 0);
}
