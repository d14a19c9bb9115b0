// Issue 14: the job path's timing and failures, driven by a fixed clock and a
// faulty file system instead of sleeps and full disks: the fax hold window,
// the backoff of a job whose spool write failed, the intent recorded before a
// CUPS submission, and two submissions racing with one Idempotency-Key.
#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "app/delivery.h"
#include "job_service_fixture.h"

namespace {

using app_testing::JobServiceFixture;
using common::Status;
using jobs::JobState;
using testing_support::FaultyFileSystem;
using testing_support::FsOp;

}  // namespace

// ---- the fax hold window ---------------------------------------------------

TEST_CASE("A held fax is not released before its hold window ends, and is at its end", "[jobs][issue14][hold]") {
    JobServiceFixture f([](JobServiceFixture& x) { x.options.delivery.faxHoldSeconds = 90; });
    const Poco::Timestamp accepted = f.clock.now();
    const std::string id = f.submit("fax").job.id;
    CHECK(f.state(id) == JobState::Held);
    CHECK(f.job(id).heldUntilUs == accepted.epochMicroseconds() + 90LL * 1000000);

    f.at(accepted, 0);
    CHECK(f.service->releaseDueHeld().value() == 0);
    f.at(accepted, 90 * 1000 - 1);  // a millisecond before the end
    CHECK(f.service->releaseDueHeld().value() == 0);
    CHECK(f.state(id) == JobState::Held);
    CHECK(f.spooledFiles(id) == 0);

    f.at(accepted, 90 * 1000);  // the end itself
    CHECK(f.service->releaseDueHeld().value() == 1);
    CHECK(f.state(id) == JobState::Spooled);
    CHECK(f.spool->locate("fax", id).value() == spool::SpoolLocation::New);
    f.clock.advanceSeconds(3600);
    CHECK(f.service->releaseDueHeld().value() == 0);  // released once
    CHECK(f.eventCount(id, "spooled") == 1);
}

TEST_CASE("A cancel inside the hold window wins: the fax never reaches the spool", "[jobs][issue14][hold]") {
    JobServiceFixture f;
    const Poco::Timestamp accepted = f.clock.now();
    const std::string id = f.submit("fax").job.id;
    f.at(accepted, 30 * 1000);
    REQUIRE(f.service->cancel(id, "cm-test").isOk());
    for (long long s : {60, 61, 3600}) {
        f.at(accepted, s * 1000);
        CHECK(f.service->releaseDueHeld().value() == 0);
        CHECK(f.service->redeliverDue().value() == 0);
    }
    CHECK(f.state(id) == JobState::Cancelled);
    CHECK(f.spooledFiles(id) == 0);
    CHECK(f.service->cancel(id, "cm-test").code() == Status::Code::Conflict);  // only once
}

TEST_CASE("Faxes held one after another are released each at the end of its own window", "[jobs][issue14][hold]") {
    JobServiceFixture f;
    const Poco::Timestamp start = f.clock.now();
    const std::string first = f.submit("fax").job.id;
    f.at(start, 20 * 1000);
    app::SubmitResult second = f.service->submit(f.request("fax", true), "", f.settings.defaultOffice, "cm-test").value();
    f.at(start, 60 * 1000);
    CHECK(f.service->releaseDueHeld().value() == 1);
    CHECK(f.state(first) == JobState::Spooled);
    CHECK(f.state(second.job.id) == JobState::Held);
    f.at(start, 80 * 1000 - 1);
    CHECK(f.service->releaseDueHeld().value() == 0);
    f.at(start, 80 * 1000);
    CHECK(f.service->releaseDueHeld().value() == 1);
    CHECK(f.state(second.job.id) == JobState::Spooled);
}

TEST_CASE("With no hold window a fax goes to the spool at once", "[jobs][issue14][hold]") {
    JobServiceFixture f([](JobServiceFixture& x) { x.options.delivery.faxHoldSeconds = 0; });
    const std::string id = f.submit("fax").job.id;
    CHECK(f.state(id) == JobState::Spooled);
    CHECK(f.eventCount(id, "held") == 0);
}

// ---- redelivery with backoff -----------------------------------------------

namespace {

void withBackoff(JobServiceFixture& x) {
    x.options.delivery.redeliverFirstMs = 1000;
    x.options.delivery.redeliverMaxMs = 4000;
}

}  // namespace

TEST_CASE("A job whose spool write failed is tried again after 1, 2, 4, 4 s, then spooled once", "[jobs][issue14][retry]") {
    struct Case {
        const char* name;
        FaultyFileSystem::Fault fault;
        const char* reason;
    };
    const Case cases[] = {
        {"disk full", {FsOp::Write, "/print/tmp/", ENOSPC}, "storage_full"},
        {"fsync error", {FsOp::Fsync, "/print/tmp/", EIO}, "io"},
        {"rename error", {FsOp::Rename, "/print/tmp/", EIO}, "io"},
        {"directory sync error", {FsOp::SyncDir, "/print/new", EIO, 0, FaultyFileSystem::kUntilHealed}, "io"},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        JobServiceFixture f(withBackoff);
        f.fs.inject(c.fault);
        const Poco::Timestamp t0 = f.clock.now();
        app::SubmitResult submitted = f.submit("print");
        const std::string id = submitted.job.id;
        // Accepted and kept: the 201 stands, the job waits to go out.
        CHECK(submitted.job.state == JobState::Rendered);
        REQUIRE(f.fs.failures(c.fault.op) == 1);

        // (when to look, in ms after t0; attempts failed by then)
        const std::pair<long long, int> rounds[] = {
            {999, 1},  {1000, 2},  // first retry after 1 s
            {2999, 2}, {3000, 3},  // then 2 s
            {6999, 3}, {7000, 4},  // then 4 s
            {10999, 4},            // and 4 s again: the cap
        };
        for (const auto& [ms, failed] : rounds) {
            INFO("at " << ms << " ms");
            f.at(t0, ms);
            CHECK(f.service->redeliverDue().value() == 0);
            CHECK(f.fs.failures(c.fault.op) == failed);
            CHECK(f.state(id) == JobState::Rendered);
            CHECK(f.spool->locate("print", id).value() == spool::SpoolLocation::None);
        }
        CHECK(f.eventCount(id, "spool_error") == 4);
        CHECK(f.store->events(id).value().back().detailJson == std::string("{\"reason\":\"") + c.reason + "\"}");

        f.fs.heal();
        f.at(t0, 11000);
        CHECK(f.service->redeliverDue().value() == 1);
        CHECK(f.state(id) == JobState::Spooled);
        CHECK(f.spool->locate("print", id).value() == spool::SpoolLocation::New);
        CHECK(f.spooledFiles(id, "print") == 2);  // the pdf and its sidecar in new/, nothing left in tmp/

        // Spooled once: later rounds find nothing more to send out.
        const int writes = f.fs.calls(FsOp::Write);
        for (long long s : {12, 60, 3600}) {
            f.at(t0, s * 1000);
            CHECK(f.service->redeliverDue().value() == 0);
        }
        CHECK(f.fs.calls(FsOp::Write) == writes);
        CHECK(f.eventCount(id, "spooled") == 1);
    }
}

TEST_CASE("Each job keeps its own backoff, and once the disk has room each is spooled exactly once", "[jobs][issue14][retry]") {
    JobServiceFixture f(withBackoff);
    f.fs.inject({FsOp::Write, "/print/tmp/", ENOSPC});
    const Poco::Timestamp t0 = f.clock.now();
    const std::string early = f.submit("print").job.id;
    f.at(t0, 500);
    const std::string late =
        f.service->submit(f.request("print", true), "", f.settings.defaultOffice, "cm-test").value().job.id;
    REQUIRE(f.fs.failures(FsOp::Write) == 2);

    f.at(t0, 1000);  // the early one is due, the late one at 1500
    CHECK(f.service->redeliverDue().value() == 0);
    CHECK(f.fs.failures(FsOp::Write) == 3);
    f.fs.heal();
    f.at(t0, 1499);
    CHECK(f.service->redeliverDue().value() == 0);
    CHECK(f.state(late) == JobState::Rendered);
    f.at(t0, 1500);
    CHECK(f.service->redeliverDue().value() == 1);
    CHECK(f.state(late) == JobState::Spooled);
    CHECK(f.state(early) == JobState::Rendered);  // its next try is at 3000
    f.at(t0, 3000);
    CHECK(f.service->redeliverDue().value() == 1);
    CHECK(f.state(early) == JobState::Spooled);
    f.at(t0, 600 * 1000);
    CHECK(f.service->redeliverDue().value() == 0);
    for (const std::string& id : {early, late}) {
        CHECK(f.eventCount(id, "spooled") == 1);
        CHECK(f.spooledFiles(id, "print") == 2);
    }
}

TEST_CASE("A fax whose spool write failed after its hold window goes out later without a second hold", "[jobs][issue14][retry]") {
    JobServiceFixture f(withBackoff);
    f.fs.inject({FsOp::Write, "/fax/tmp/", ENOSPC, 0, 1});  // one failure
    const std::string id = f.heldFaxDueNow();
    const Poco::Timestamp released = f.clock.now();
    CHECK(f.service->releaseDueHeld().value() == 0);
    CHECK(f.state(id) == JobState::Rendered);
    f.at(released, 999);
    CHECK(f.service->redeliverDue().value() == 0);
    f.at(released, 1000);
    CHECK(f.service->redeliverDue().value() == 1);
    CHECK(f.state(id) == JobState::Spooled);
    CHECK(f.eventCount(id, "held") == 1);
    CHECK(f.eventCount(id, "spooled") == 1);
}

// ---- the CUPS intent -------------------------------------------------------

namespace {

// Thrown from the step hook: the process ends there, as far as the store,
// the spool and CUPS can tell.
struct Crash : std::runtime_error {
    Crash() : std::runtime_error("crash") {}
};

// A CUPS server nobody listens on: a submission that reaches it fails as
// unreachable. The intent tests never need cupsd to answer: a job that
// contacts it ends as print_refused, one that does not as print_unknown.
void withUnreachableCups(JobServiceFixture& x) {
    x.printer = std::make_unique<spool::CupsPrinter>("renkei-test", "127.0.0.1:9", 2000);
}

}  // namespace

TEST_CASE("The CUPS intent is recorded before the submission, and a crash between them never prints twice",
          "[jobs][issue14][cups]") {
    JobServiceFixture f(withUnreachableCups);
    bool sawIntent = false;
    f.onStep = [&](const std::string& step) {
        if (step != "cups.intent") return;
        // What a crash here leaves behind: the intent, committed; no CUPS job id.
        std::vector<jobs::Job> jobs = f.store->unfinished().value();
        REQUIRE(jobs.size() == 1);
        auto delivery = app::Delivery::of(jobs.front());
        REQUIRE(delivery.isOk());
        CHECK(delivery->cupsSubmitting);
        CHECK_FALSE(delivery->cupsJobId);
        CHECK(delivery->cupsQueue == "renkei-test");
        sawIntent = true;
        throw Crash();
    };
    CHECK_THROWS_AS(f.service->submit(f.request("print"), "", f.settings.defaultOffice, "cm-test"), Crash);
    REQUIRE(sawIntent);
    std::vector<jobs::Job> unfinished = f.store->unfinished().value();
    REQUIRE(unfinished.size() == 1);
    const std::string id = unfinished.front().id;
    CHECK(f.state(id) == JobState::Rendered);

    f.onStep = nullptr;
    f.restart();
    const int cupsFilesBefore = f.fs.calls(FsOp::Write);
    REQUIRE(f.service->recover().isOk());
    // Failed for a person to check, not submitted again: the file CUPS reads
    // is not written, and CUPS is not contacted (that would be print_refused).
    const jobs::Job failed = f.job(id);
    CHECK(failed.state == JobState::Failed);
    CHECK(failed.errorCode == "print_unknown");
    CHECK(f.fs.calls(FsOp::Write) == cupsFilesBefore);
    CHECK(f.eventCount(id, "print_submitting") == 1);
    CHECK(f.eventCount(id, "print_refused") == 0);
    // print/tmp/ holds nothing of it: the next start cleared what the crash left.
    CHECK(f.spooledFiles(id, "print") == 0);
}

TEST_CASE("A submission CUPS refuses withdraws its intent, so a retry submits again", "[jobs][issue14][cups]") {
    JobServiceFixture f(withUnreachableCups);
    const std::string id = f.submit("print").job.id;
    jobs::Job failed = f.job(id);
    CHECK(failed.state == JobState::Failed);
    CHECK(failed.errorCode == "print_refused");
    const std::vector<std::string> kinds = f.eventKinds(id);
    auto pos = [&](const std::string& kind) { return std::find(kinds.begin(), kinds.end(), kind) - kinds.begin(); };
    CHECK(pos("print_submitting") < pos("print_refused"));
    CHECK_FALSE(app::Delivery::of(failed)->cupsSubmitting);
    CHECK(f.spooledFiles(id, "print") == 0);  // the file CUPS was to read is gone

    common::ignoreStatus(f.service->retry(id, "cm-test"), "what it did is read from the job below");
    CHECK(f.job(id).state == JobState::Failed);
    CHECK(f.job(id).errorCode == "print_refused");  // tried CUPS again, not print_unknown
    CHECK(f.eventCount(id, "print_submitting") == 2);
}

TEST_CASE("A print job whose CUPS file cannot be written records no intent and is tried again", "[jobs][issue14][cups]") {
    JobServiceFixture f([](JobServiceFixture& x) {
        withUnreachableCups(x);
        withBackoff(x);
    });
    f.fs.inject({FsOp::Write, ".cups.pdf", ENOSPC, 0, 1});
    const Poco::Timestamp t0 = f.clock.now();
    const std::string id = f.submit("print").job.id;
    CHECK(f.state(id) == JobState::Rendered);
    CHECK_FALSE(app::Delivery::of(f.job(id))->cupsSubmitting);
    CHECK(f.eventCount(id, "print_submitting") == 0);
    f.at(t0, 1000);
    // (counted as sent out: the delivery ended, in failed)
    CHECK(f.service->redeliverDue().isOk());
    // Now it reached the intent and CUPS (which refuses it here).
    CHECK(f.eventCount(id, "print_submitting") == 1);
    CHECK(f.job(id).errorCode == "print_refused");
}

// ---- the idempotency race --------------------------------------------------

namespace {

// Holds each thread that reaches it until `parties` have, so both
// submissions have looked for the key (and found none) before either stores.
class Barrier {
public:
    explicit Barrier(int parties) : waiting_(parties) {}
    // Called on the service's threads, so it asserts nothing itself.
    void arrive() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (--waiting_ == 0) changed_.notify_all();
        if (!changed_.wait_for(lock, std::chrono::seconds(20), [&] { return waiting_ <= 0; })) timedOut_ = true;
    }
    // True when a thread gave up waiting: the two did not overlap.
    bool timedOut() {
        std::lock_guard<std::mutex> lock(mutex_);
        return timedOut_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int waiting_;
    bool timedOut_ = false;
};

}  // namespace

TEST_CASE("Two submissions with one Idempotency-Key at once make one job, the other is its replay",
          "[jobs][issue14][idempotency]") {
    for (const std::string channel : {"print", "fax"}) {
        INFO(channel);
        JobServiceFixture f([](JobServiceFixture& x) { x.options.intake.concurrentSubmissions = 2; });
        Barrier bothChecked(2);
        f.onStep = [&](const std::string& step) {
            if (step == "intake.checked") bothChecked.arrive();
        };
        common::Result<app::SubmitResult> a = Status::unavailable("not run"), b = Status::unavailable("not run");
        std::thread first([&] { a = f.service->submit(f.request(channel), "same-key", f.settings.defaultOffice, "cm-a"); });
        std::thread second([&] { b = f.service->submit(f.request(channel), "same-key", f.settings.defaultOffice, "cm-b"); });
        first.join();
        second.join();
        REQUIRE_FALSE(bothChecked.timedOut());
        REQUIRE(a.isOk());
        REQUIRE(b.isOk());
        CHECK(a->job.id == b->job.id);
        CHECK(a->replayed != b->replayed);  // exactly one made it
        CHECK(f.store->count(jobs::JobFilter{}).value() == 1);
        const std::string id = a->job.id;
        CHECK(f.eventCount(id, "accepted") + f.eventCount(id, "rendered") >= 1);
        if (channel == "print") {
            CHECK(f.eventCount(id, "spooled") == 1);
            CHECK(f.spooledFiles(id, "print") == 2);
        } else {
            CHECK(f.eventCount(id, "held") == 1);
        }
        // And later, one at a time, it is a replay too.
        f.onStep = nullptr;
        app::SubmitResult again = f.submit(channel, "same-key");
        CHECK(again.replayed);
        CHECK(again.job.id == id);
    }
}
