// Print jobs through a real CUPS queue (issue 5 item 7): a private cupsd with
// a cups-pdf printer, started by the fixture; the job follows CUPS to "sent"
// and the printed PDF lands in cups-pdf's output folder.
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/Thread.h>

#include <cstdlib>

#include "cupsd_fixture.h"
#include "e2e_support.h"

using namespace e2e;

TEST_CASE("A print job goes to the CUPS queue, records the CUPS job id and ends sent", "[e2e][cups]") {
    testing_support::CupsdFixture cupsd;
    if (!cupsd.skipReason().empty()) {
        if (std::getenv("CI")) FAIL("CUPS test cannot run in CI: " << cupsd.skipReason());
        WARN("skipped: " << cupsd.skipReason());
        return;
    }
    REQUIRE(cupsd.ready());
    TestServer server([&](config::Settings& s) {
        s.cupsQueue = cupsd.queue();
        s.cupsServer = cupsd.server();
        s.dispatchPollMs = 100;
    });
    Response r = server.post("/api/v1/jobs", printJob("admission-info"));
    REQUIRE(r.status == 201);
    auto job = r.json();
    const std::string id = job->getValue<std::string>("id");
    CHECK(job->getValue<std::string>("state") == "spooled");
    CHECK(job->getObject("delivery")->getValue<int>("cupsJobId") > 0);
    std::string state;
    for (int i = 0; i < 300 && state != "sent"; ++i) {
        state = server.get("/api/v1/jobs/" + id).json()->getValue<std::string>("state");
        if (state != "sent") Poco::Thread::sleep(100);
    }
    INFO(cupsd.logs());
    REQUIRE(state == "sent");
    const std::string printed = cupsd.outputDir() + "/" + id + ".pdf";
    REQUIRE(Poco::File(printed).exists());
    std::string pdf = testing_support::readFile(printed);
    CHECK(pdf.rfind("%PDF", 0) == 0);
    CHECK(testing_support::pdfPageCount(printed) == 2);
    // Nothing went to the folder spool: the queue replaced it.
    std::vector<std::string> spooled;
    Poco::File(server.dataDir() + "/spool/print/new").list(spooled);
    CHECK(spooled.empty());
}
