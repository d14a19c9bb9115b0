// Issue 21: a cancelled fax is never sent. A cancel and the dispatcher's
// claim of a held fax race; each is paused at its step hook so that every
// interleaving is driven deterministically, and in each exactly one wins.
#include "app/job_service.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "form/wareki.h"
#include "job_service_fixture.h"
#include "test_support.h"

namespace {

using common::Status;

using Fixture = app_testing::JobServiceFixture;

// Exactly one side won: a cancelled job left nothing in the spool, and a
// dispatched one is in new/ with the cancel refused as a Conflict.
void checkOneWinner(Fixture& f, const std::string& id, const Status& cancelled) {
    if (cancelled.isOk()) {
        CHECK(f.state(id) == jobs::JobState::Cancelled);
        CHECK(f.spooledFiles(id) == 0);
    } else {
        CHECK(cancelled.code() == Status::Code::Conflict);
        CHECK(f.state(id) == jobs::JobState::Spooled);
        CHECK(f.spool->locate("fax", id).value() == spool::SpoolLocation::New);
    }
}

}  // namespace

TEST_CASE("A cancel before the dispatcher's round wins and nothing is spooled", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    Status cancelled = f.service->cancel(id, "cm-test");
    REQUIRE(cancelled.isOk());
    CHECK(f.service->releaseDueHeld().value() == 0);
    checkOneWinner(f, id, cancelled);
}

TEST_CASE("A cancel after the dispatcher sent the fax is refused", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    CHECK(f.service->releaseDueHeld().value() == 1);
    Status cancelled = f.service->cancel(id, "cm-test");
    REQUIRE_FALSE(cancelled.isOk());
    checkOneWinner(f, id, cancelled);
}

TEST_CASE("A cancel that read the job held loses to a dispatcher that claimed it meanwhile", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    f.gates.close("cancel.read");
    f.gates.close("dispatch.claimed");
    Status cancelled;
    std::thread canceller([&] { cancelled = f.service->cancel(id, "cm-test"); });
    f.gates.waitArrived("cancel.read");
    Status released;
    std::thread dispatcher([&] { released = f.service->releaseDueHeld().status(); });
    f.gates.waitArrived("dispatch.claimed");
    // Both paused: the cancel read "held", the dispatcher has claimed the job.
    f.gates.open("cancel.read");
    canceller.join();
    CHECK(cancelled.code() == Status::Code::Conflict);
    f.gates.open("dispatch.claimed");
    dispatcher.join();
    CHECK(released.isOk());
    checkOneWinner(f, id, cancelled);
}

TEST_CASE("A cancel that read the job held loses to a dispatcher that finished meanwhile", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    f.gates.close("cancel.read");
    Status cancelled;
    std::thread canceller([&] { cancelled = f.service->cancel(id, "cm-test"); });
    f.gates.waitArrived("cancel.read");
    CHECK(f.service->releaseDueHeld().value() == 1);
    f.gates.open("cancel.read");
    canceller.join();
    checkOneWinner(f, id, cancelled);
    CHECK_FALSE(cancelled.isOk());
}

TEST_CASE("A cancel while the dispatcher holds its claim is refused and the fax goes out once", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    f.gates.close("dispatch.claimed");
    Status released;
    std::thread dispatcher([&] { released = f.service->releaseDueHeld().status(); });
    f.gates.waitArrived("dispatch.claimed");
    Status cancelled = f.service->cancel(id, "cm-test");
    CHECK(cancelled.code() == Status::Code::Conflict);
    CHECK(f.spooledFiles(id) == 0);  // not yet written: the claim alone stops the cancel
    f.gates.open("dispatch.claimed");
    dispatcher.join();
    CHECK(released.isOk());
    checkOneWinner(f, id, cancelled);
}

TEST_CASE("A cancel that read the job wins when the dispatcher comes after it", "[jobs][issue21]") {
    Fixture f;
    const std::string id = f.heldFaxDueNow();
    f.gates.close("cancel.read");
    Status cancelled;
    std::thread canceller([&] { cancelled = f.service->cancel(id, "cm-test"); });
    f.gates.waitArrived("cancel.read");
    f.gates.open("cancel.read");
    canceller.join();
    REQUIRE(cancelled.isOk());
    CHECK(f.service->releaseDueHeld().value() == 0);
    checkOneWinner(f, id, cancelled);
}

TEST_CASE("Only a held job can be cancelled, in the store itself", "[jobs][issue21]") {
    using S = jobs::JobState;
    for (S from : {S::Accepted, S::Rendering, S::Rendered, S::Spooled, S::Sent, S::Failed, S::Cancelled})
        CHECK_FALSE(jobs::canTransition(from, S::Cancelled));
    CHECK(jobs::canTransition(S::Held, S::Cancelled));
}

TEST_CASE("The fax cover says when the fax was handed to the gateway, and the stored fax is what went out",
          "[jobs][issue13]") {
    Fixture f;
    const Poco::Timestamp accepted = f.clock.now();
    const std::string id = f.heldFaxDueNow();  // held 60 s, then the clock moves 61 s on
    f.clock.advanceSeconds(20 * 60);           // the dispatcher comes round much later
    const Poco::Timestamp handedOver = f.clock.now();
    CHECK(f.store->document(id, "fax_pdf").status().code() == Status::Code::NotFound);  // not made while held
    REQUIRE(f.service->releaseDueHeld().value() == 1);

    auto stored = f.store->document(id, "fax_pdf");
    REQUIRE(stored.isOk());
    const std::string spooled = testing_support::readFile(f.spool->path("fax", "new", id + ".pdf"));
    CHECK(spooled == stored.value());
    testing_support::writeFile(f.dir.file("fax.pdf"), stored.value());
    const std::string text = testing_support::stripSpace(testing_support::pdfText(f.dir.file("fax.pdf")));
    auto shown = [](Poco::Timestamp t) {
        auto dt = form::parseIsoDateTimeJst(common::isoJst(t));
        return testing_support::stripSpace(form::formatWarekiDateTime(*dt));
    };
    INFO(text.substr(0, 600));
    CHECK(text.find(shown(handedOver)) != std::string::npos);
    CHECK(text.find(shown(accepted)) == std::string::npos);
}

// Issue 20: a claim lasts jobs.claimSeconds, and a hand-over may take longer
// (a spool on a stalled share). While the owner is still handing the job
// over, its claim is renewed, so another instance sharing the spool cannot
// take the job over and write it a second time.
TEST_CASE("A claim is renewed while its hand-over lasts longer than the claim", "[jobs][issue20]") {
    std::atomic<int> renewals{0};
    Fixture f([&](Fixture& fx) {
        fx.options.delivery.shared = true;
        fx.options.delivery.owner = "instance-a";
        fx.options.delivery.claimMs = 600;
        fx.options.delivery.takeOverExpired = true;
        fx.onStep = [&](const std::string& step) {
            if (step == "claims.renewed") ++renewals;
        };
    });
    const Poco::Timestamp t0 = f.clock.now();
    f.gates.close("spool.write");
    app::SubmitResult submitted;
    std::thread submitter([&] { submitted = f.submit("print"); });
    f.gates.waitArrived("spool.write");  // claimed at t0 until t0 + 600 ms, and stalled
    auto unfinished = f.store->unfinished();
    REQUIRE(unfinished.isOk());
    REQUIRE(unfinished->size() == 1);
    const std::string id = unfinished->front().id;
    f.at(t0, 400);
    const int before = renewals.load();
    for (int i = 0; i < 200 && renewals.load() == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(renewals.load() > before);  // renewed at t0 + 400 ms or later: until t0 + 1000 ms at least
    f.at(t0, 900);                      // the first claim has run out; the renewed one has not
    const long long nowUs = f.clock.now().epochMicroseconds();
    Status other = f.store->claim(id, "instance-b", nowUs, nowUs + 600000, true);
    CHECK(other.code() == Status::Code::Conflict);
    f.gates.open("spool.write");
    submitter.join();
    REQUIRE(submitted.job.id == id);
    CHECK(f.state(id) == jobs::JobState::Spooled);
    CHECK(f.spool->locate("print", id).value() == spool::SpoolLocation::New);
    CHECK(f.spooledFiles(id, "print") == 2);  // once: the PDF and its control file
    // The hand-over is over and its claim released: no late renewal keeps it.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(f.store->claim(id, "instance-b", nowUs, nowUs + 600000, false).isOk());
}
