#include "jobs/job_store.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <thread>

#include "common/ids.h"
#include "postgres_test_db.h"
#include "test_support.h"

using common::Status;
using jobs::AuditEntry;
using jobs::AuditFilter;
using jobs::Job;
using jobs::JobChanges;
using jobs::JobFilter;
using jobs::JobState;
using jobs::JobStore;
using namespace Poco::Data::Keywords;

namespace {

// 2025-04-01 15:10:00 in Japan.
const long long kStartUs = 1743487800LL * 1000000;

// Every test here runs on both engines (see postgres_test_db.h), except
// those tagged [sqlite], which are about the SQLite file itself.
const bool kPostgres = testing_support::storeOnPostgres();

struct Fixture {
    testing_support::TempDir dir;
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    std::string dbPath = dir.file("jobs.db");
    // PostgreSQL: an empty schema of this test's own on the private server.
    std::string conninfo = kPostgres ? testing_support::freshPostgresSchema() : "";
    std::unique_ptr<JobStore> store = openStore();

    std::unique_ptr<JobStore> openStore(jobs::JobStoreOptions options = {}) {
        auto opened = kPostgres ? JobStore::openPostgreSql(conninfo, 4, clock) : JobStore::open(dbPath, clock, options);
        REQUIRE(opened.status().toString() == "OK");
        return std::move(opened).value();
    }
    // A second connection to the same database, standing in for a person
    // with the sqlite3 shell or psql, or another process.
    Poco::Data::Session rawSession() {
        if (kPostgres) {
            Poco::Data::PostgreSQL::Connector::registerConnector();
            return Poco::Data::Session("PostgreSQL", conninfo);
        }
        Poco::Data::SQLite::Connector::registerConnector();
        return Poco::Data::Session("SQLite", dbPath);
    }
    // Makes every insert of an event fail, as a failing disk would, until healed.
    void breakEventInserts() {
        auto raw = rawSession();
        if (kPostgres) {
            raw << "CREATE FUNCTION inject_failure() RETURNS trigger LANGUAGE plpgsql AS"
                   " $$ BEGIN RAISE EXCEPTION 'injected'; END $$",
                now;
            raw << "CREATE TRIGGER inject_failure BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION inject_failure()",
                now;
        } else {
            raw << "CREATE TRIGGER inject_failure BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected'); END",
                now;
        }
    }
    void healEventInserts() {
        auto raw = rawSession();
        raw << (kPostgres ? "DROP TRIGGER inject_failure ON events" : "DROP TRIGGER inject_failure"), now;
    }
};

// Turns the store's file back into what a build of `version` wrote: each
// later migration undone, newest first, and its schema_version row gone.
void rollBackTo(Poco::Data::Session& raw, int version) {
    using Poco::Data::Keywords::now;
    if (version < 7) raw << "DROP TABLE claims", now;
    if (version < 6) {
        raw << "DROP TABLE inbox", now;
        raw << "DROP TABLE received_replies", now;
        raw << "DROP TABLE received_files", now;
    }
    if (version < 5) raw << "DROP TABLE reply_refs", now;
    if (version < 4) raw << "ALTER TABLE audit DROP COLUMN token_name", now;
    if (version < 3) raw << "ALTER TABLE audit DROP COLUMN request_count", now;
    raw << "DELETE FROM schema_version WHERE version > " + std::to_string(version), now;
}

Job makeJob(const std::string& sheetId = "admission-info", const std::string& request = R"({"n":1})") {
    Job job;
    job.id = common::newJobId();
    job.sheetId = sheetId;
    job.channel = jobs::Channel::Fax;
    job.destination = "0166-00-0000";
    job.requestJson = request;
    job.requestHash = common::sha256Hex(request);
    return job;
}

std::vector<std::string> ids(const std::vector<Job>& list) {
    std::vector<std::string> out;
    for (const Job& j : list) out.push_back(j.id);
    return out;
}

std::vector<std::string> kinds(const std::vector<jobs::Event>& events) {
    std::vector<std::string> out;
    for (const jobs::Event& e : events) out.push_back(e.kind);
    return out;
}

}  // namespace

TEST_CASE("sha256Hex gives the FIPS 180-2 test vectors", "[jobs]") {
    CHECK(common::sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(common::sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(common::sha256Hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("Every job state has a name that parses back", "[jobs]") {
    for (JobState s : {JobState::Accepted, JobState::Rendering, JobState::Rendered, JobState::Held, JobState::Spooled,
                       JobState::Sent, JobState::Failed, JobState::Cancelled}) {
        REQUIRE(jobs::parseState(jobs::stateName(s)) == s);
        REQUIRE_FALSE(jobs::canTransition(s, s));
    }
    REQUIRE_FALSE(jobs::parseState("queued"));
    REQUIRE(jobs::canTransition(JobState::Rendered, JobState::Spooled));
    REQUIRE_FALSE(jobs::canTransition(JobState::Sent, JobState::Failed));
    REQUIRE_FALSE(jobs::canTransition(JobState::Cancelled, JobState::Accepted));
}

TEST_CASE("A created job reads back with every field and an accepted event", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    job.idempotencyKey = "key-1";
    job.patientRef = "P-0001";
    job.warningsJson = R"([{"field":"fields.pt_name","code":"shrunk","message":"縮小しました"}])";
    REQUIRE(f.store->create(job, "cm-tanaka").isOk());

    auto got = f.store->get(job.id);
    REQUIRE(got.isOk());
    CHECK(got->id == job.id);
    CHECK(got->sheetId == "admission-info");
    CHECK(got->channel == jobs::Channel::Fax);
    CHECK(got->destination == "0166-00-0000");
    CHECK(got->state == JobState::Accepted);
    CHECK(got->requestJson == job.requestJson);
    CHECK(got->requestHash == job.requestHash);
    CHECK(got->idempotencyKey == std::optional<std::string>("key-1"));
    CHECK(got->patientRef == std::optional<std::string>("P-0001"));
    CHECK(got->pageCount == 0);
    CHECK(got->warningsJson == job.warningsJson);
    CHECK(got->errorCode.empty());
    CHECK(got->attempt == 0);
    CHECK(got->createdAt == "2025-04-01T15:10:00+09:00");
    CHECK(got->updatedAt == "2025-04-01T15:10:00+09:00");
    CHECK(got->createdAtUs == kStartUs);

    auto events = f.store->events(job.id);
    REQUIRE(events.isOk());
    REQUIRE(events->size() == 1);
    CHECK((*events)[0].kind == "accepted");
    CHECK((*events)[0].actor == "cm-tanaka");
    CHECK((*events)[0].at == "2025-04-01T15:10:00+09:00");
    CHECK((*events)[0].detailJson == "{}");
}

TEST_CASE("A job without idempotency key or patient reads back with both unset", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    job.destination = "";
    REQUIRE(f.store->create(job, "system").isOk());
    auto got = f.store->get(job.id);
    REQUIRE(got.isOk());
    CHECK_FALSE(got->idempotencyKey);
    CHECK_FALSE(got->patientRef);
    CHECK(got->destination.empty());
}

TEST_CASE("An unknown job id is NotFound", "[jobs]") {
    Fixture f;
    CHECK(f.store->get(common::newJobId()).status().code() == Status::Code::NotFound);
    CHECK(f.store->get("../../etc/passwd").status().code() == Status::Code::NotFound);
    CHECK(f.store->events(common::newJobId()).status().code() == Status::Code::NotFound);
}

TEST_CASE("Creating a job with an existing id is a Conflict", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    Job again = makeJob("discharge-summary");
    again.id = job.id;
    CHECK(f.store->create(again, "system").code() == Status::Code::Conflict);
    CHECK(f.store->get(job.id)->sheetId == "admission-info");
    CHECK(f.store->events(job.id)->size() == 1);
}

TEST_CASE("Creating a job with a used idempotency key is a Conflict and stores nothing", "[jobs]") {
    Fixture f;
    Job first = makeJob();
    first.idempotencyKey = "same-key";
    REQUIRE(f.store->create(first, "system").isOk());
    Job second = makeJob();
    second.idempotencyKey = "same-key";
    Status st = f.store->create(second, "system");
    CHECK(st.code() == Status::Code::Conflict);
    CHECK_THAT(st.message(), Catch::Contains(first.id));
    CHECK(f.store->get(second.id).status().code() == Status::Code::NotFound);
}

TEST_CASE("A channel's name parses back to it, and no other name parses", "[jobs]") {
    for (jobs::Channel c : {jobs::Channel::Print, jobs::Channel::Fax})
        CHECK(jobs::parseChannel(jobs::channelName(c)) == c);
    CHECK(jobs::channelName(jobs::Channel::Fax) == "fax");
    for (const char* name : {"", "email", "PRINT", "fax "}) CHECK_FALSE(jobs::parseChannel(name));
}

TEST_CASE("A new job with a bad field is rejected and nothing is stored", "[jobs]") {
    Fixture f;
    struct Case {
        const char* what;
        void (*spoil)(Job&);
    };
    const Case cases[] = {
        {"id", [](Job& j) { j.id = "ABC"; }},
        {"sheet", [](Job& j) { j.sheetId = ""; }},
        {"state", [](Job& j) { j.state = JobState::Spooled; }},
        {"request", [](Job& j) { j.requestJson = "{not json"; }},
        {"request array", [](Job& j) { j.requestJson = R"([{"n":1}])"; }},
        {"request scalar", [](Job& j) { j.requestJson = R"("text")"; }},
        {"request with more after it", [](Job& j) { j.requestJson = R"({"n":1} {"n":2})"; }},
        {"request cut short", [](Job& j) { j.requestJson = R"({"n":[1,2})"; }},
        {"hash", [](Job& j) { j.requestHash = "abc"; }},
        {"empty key", [](Job& j) { j.idempotencyKey = ""; }},
        {"empty patient", [](Job& j) { j.patientRef = ""; }},
        {"warnings", [](Job& j) { j.warningsJson = "{}"; }},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Job job = makeJob();
        c.spoil(job);
        CHECK(f.store->create(job, "system").code() == Status::Code::InvalidArgument);
    }
    CHECK(f.store->create(makeJob(), "").code() == Status::Code::InvalidArgument);
    CHECK(*f.store->count({}) == 0);
}

TEST_CASE("Idempotency keys belong to their office: the same key from another office is another job", "[jobs]") {
    Fixture f;
    Job a = makeJob();
    a.office = "office-a";
    a.idempotencyKey = "monthly-0001";
    REQUIRE(f.store->create(a, "system").isOk());
    Job b = makeJob();
    b.office = "office-b";
    b.idempotencyKey = "monthly-0001";
    REQUIRE(f.store->create(b, "system").isOk());

    CHECK(f.store->findByIdempotencyKey("office-a", "monthly-0001")->id == a.id);
    CHECK(f.store->findByIdempotencyKey("office-b", "monthly-0001")->id == b.id);
    CHECK(f.store->findByIdempotencyKey("office-c", "monthly-0001").status().code() == Status::Code::NotFound);
    // A prefix of the stored form is not a way in.
    CHECK(f.store->findByIdempotencyKey("", "office-a\x1fmonthly-0001").status().code() == Status::Code::NotFound);
    CHECK(*f.store->get(b.id)->idempotencyKey == "monthly-0001");  // the client's key, not the stored form

    Job again = makeJob();
    again.office = "office-a";
    again.idempotencyKey = "monthly-0001";
    CHECK(f.store->create(again, "system").code() == Status::Code::Conflict);
}

TEST_CASE("A job is found by its idempotency key until the key is purged", "[jobs]") {
    Fixture f;
    Job old = makeJob();
    old.idempotencyKey = "k-old";
    REQUIRE(f.store->create(old, "system").isOk());
    f.clock.advanceSeconds(3600);
    Job recent = makeJob();
    recent.idempotencyKey = "k-new";
    REQUIRE(f.store->create(recent, "system").isOk());

    CHECK(f.store->findByIdempotencyKey(old.office, "k-old")->id == old.id);
    CHECK(f.store->findByIdempotencyKey(old.office, "k-other").status().code() == Status::Code::NotFound);

    REQUIRE(f.store->purgeIdempotencyKeys(kStartUs + 1800LL * 1000000).isOk());
    CHECK(f.store->findByIdempotencyKey(old.office, "k-old").status().code() == Status::Code::NotFound);
    CHECK(f.store->findByIdempotencyKey(recent.office, "k-new")->id == recent.id);
    CHECK(f.store->get(old.id).isOk());

    Job reuse = makeJob();
    reuse.idempotencyKey = "k-old";
    CHECK(f.store->create(reuse, "system").isOk());
}

TEST_CASE("A recent duplicate is the newest job with the same request inside the window", "[jobs]") {
    Fixture f;
    Job first = makeJob("admission-info", R"({"same":true})");
    REQUIRE(f.store->create(first, "system").isOk());
    f.clock.advanceSeconds(10);
    Job second = makeJob("admission-info", R"({"same":true})");
    REQUIRE(f.store->create(second, "system").isOk());
    Job other = makeJob("admission-info", R"({"same":false})");
    REQUIRE(f.store->create(other, "system").isOk());

    CHECK(f.store->findRecentDuplicate(first.requestHash, kStartUs)->id == second.id);
    CHECK(f.store->findRecentDuplicate(first.requestHash, kStartUs + 11LL * 1000000).status().code() ==
          Status::Code::NotFound);
    CHECK(f.store->findRecentDuplicate(common::sha256Hex("nothing"), 0).status().code() == Status::Code::NotFound);
}

TEST_CASE("Transitions change the state and append events in order", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    f.clock.advanceSeconds(5);
    REQUIRE(f.store->transition(job.id, JobState::Rendering, "rendering", "worker", "{}").isOk());
    jobs::JobChanges rendered;
    rendered.pageCount = 2;
    rendered.warningsJson = R"([{"field":"a","code":"shrunk","message":"m"}])";
    REQUIRE(f.store->transition(job.id, JobState::Rendered, "rendered", "worker", R"({"pages":2})", rendered).isOk());
    REQUIRE(f.store->appendEvent(job.id, "downloaded", "cm-tanaka", R"({"format":"pdf"})").isOk());
    f.clock.advanceSeconds(5);
    REQUIRE(f.store->transition(job.id, JobState::Spooled, "spooled", "worker", R"({"channel":"fax"})").isOk());

    auto got = f.store->get(job.id);
    CHECK(got->state == JobState::Spooled);
    CHECK(got->pageCount == 2);
    CHECK(got->warningsJson == *rendered.warningsJson);
    CHECK(got->createdAt == "2025-04-01T15:10:00+09:00");
    CHECK(got->updatedAt == "2025-04-01T15:10:10+09:00");

    auto events = f.store->events(job.id);
    REQUIRE(events.isOk());
    CHECK(kinds(*events) == std::vector<std::string>{"accepted", "rendering", "rendered", "downloaded", "spooled"});
    for (size_t i = 1; i < events->size(); ++i) CHECK((*events)[i].seq > (*events)[i - 1].seq);
    CHECK((*events)[2].detailJson == R"({"pages":2})");
    CHECK((*events)[3].actor == "cm-tanaka");
    CHECK((*events)[4].at == "2025-04-01T15:10:10+09:00");
}

TEST_CASE("A job cannot be marked spooled twice", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    REQUIRE(f.store->transition(job.id, JobState::Rendered, "rendered", "worker", "{}").isOk());
    REQUIRE(f.store->transition(job.id, JobState::Spooled, "spooled", "worker", "{}").isOk());
    Status again = f.store->transition(job.id, JobState::Spooled, "spooled", "recovery", "{}");
    CHECK(again.code() == Status::Code::Conflict);
    CHECK(kinds(*f.store->events(job.id)) == std::vector<std::string>{"accepted", "rendered", "spooled"});
}

TEST_CASE("A bad transition request is rejected without an event", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    CHECK(f.store->transition(common::newJobId(), JobState::Rendering, "rendering", "w", "{}").code() ==
          Status::Code::NotFound);
    CHECK(f.store->transition(job.id, JobState::Rendering, "", "w", "{}").code() == Status::Code::InvalidArgument);
    CHECK(f.store->transition(job.id, JobState::Rendering, "rendering", "w", "[1]").code() ==
          Status::Code::InvalidArgument);
    CHECK(f.store->transition(job.id, JobState::Sent, "sent", "w", "{}").code() == Status::Code::Conflict);
    CHECK(f.store->appendEvent(job.id, "downloaded", "w", "not json").code() == Status::Code::InvalidArgument);
    CHECK(f.store->appendEvent(common::newJobId(), "downloaded", "w", "{}").code() == Status::Code::NotFound);
    CHECK(f.store->events(job.id)->size() == 1);
    CHECK(f.store->get(job.id)->state == JobState::Accepted);
}

TEST_CASE("Leaving failed counts an attempt and clears the error", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    jobs::JobChanges failure;
    failure.errorCode = "spool_io";
    failure.errorMessage = "No space left on device";
    REQUIRE(f.store->transition(job.id, JobState::Failed, "failed", "worker", "{}", failure).isOk());
    auto failed = f.store->get(job.id);
    CHECK(failed->errorCode == "spool_io");
    CHECK(failed->errorMessage == "No space left on device");
    CHECK(failed->attempt == 0);

    REQUIRE(f.store->transition(job.id, JobState::Accepted, "retried", "cm-tanaka", "{}").isOk());
    auto retried = f.store->get(job.id);
    CHECK(retried->state == JobState::Accepted);
    CHECK(retried->attempt == 1);
    CHECK(retried->errorCode.empty());
    CHECK(retried->errorMessage.empty());
}

TEST_CASE("A document round-trips with its checksum", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    const std::string pdf = std::string("%PDF-1.7\n\0\xff\xfe binary", 20);
    REQUIRE(f.store->putDocument(job.id, "pdf", pdf).isOk());
    REQUIRE(f.store->putDocument(job.id, "xlsx", "PK\x03\x04").isOk());

    auto back = f.store->document(job.id, "pdf");
    REQUIRE(back.isOk());
    CHECK(*back == pdf);
    CHECK(*f.store->document(job.id, "xlsx") == "PK\x03\x04");
    CHECK(f.store->document(job.id, "fax_pdf").status().code() == Status::Code::NotFound);

    SECTION("the same bytes again are accepted, different bytes are a Conflict") {
        CHECK(f.store->putDocument(job.id, "pdf", pdf).isOk());
        CHECK(f.store->putDocument(job.id, "pdf", pdf + "x").code() == Status::Code::Conflict);
        CHECK(*f.store->document(job.id, "pdf") == pdf);
    }
    SECTION("unknown formats, empty bytes and unknown jobs are refused") {
        CHECK(f.store->putDocument(job.id, "docx", pdf).code() == Status::Code::InvalidArgument);
        CHECK(f.store->putDocument(job.id, "fax_pdf", "").code() == Status::Code::InvalidArgument);
        CHECK(f.store->putDocument(common::newJobId(), "pdf", pdf).code() == Status::Code::NotFound);
    }
}

TEST_CASE("A transition freezes its documents in the same transaction", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    const std::string pdf = "%PDF-1.7 full", fax = "%PDF-1.7 masked";
    JobChanges rendered;
    rendered.pageCount = 2;
    rendered.documents = {{"pdf", pdf}, {"fax_pdf", fax}};

    SECTION("both copies and the state change land together") {
        REQUIRE(f.store->transition(job.id, JobState::Rendered, "rendered", "system", "{}", rendered).isOk());
        CHECK(*f.store->document(job.id, "pdf") == pdf);
        CHECK(*f.store->document(job.id, "fax_pdf") == fax);
        CHECK(f.store->get(job.id)->state == JobState::Rendered);
    }
    SECTION("a copy that differs from the frozen one changes nothing") {
        REQUIRE(f.store->putDocument(job.id, "fax_pdf", "%PDF-1.7 another").isOk());
        CHECK(f.store->transition(job.id, JobState::Rendered, "rendered", "system", "{}", rendered).code() ==
              Status::Code::Conflict);
        CHECK(f.store->get(job.id)->state == JobState::Accepted);
        CHECK(f.store->get(job.id)->pageCount == 0);
        CHECK(f.store->document(job.id, "pdf").status().code() == Status::Code::NotFound);
        CHECK(kinds(*f.store->events(job.id)) == std::vector<std::string>{"accepted"});
    }
    SECTION("a bad document is refused before anything is written") {
        rendered.documents.push_back({"docx", "PK"});
        CHECK(f.store->transition(job.id, JobState::Rendered, "rendered", "system", "{}", rendered).code() ==
              Status::Code::InvalidArgument);
        CHECK(f.store->get(job.id)->state == JobState::Accepted);
    }
}

TEST_CASE("A job rendered before it was stored lands with its documents and both events at once", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    job.state = JobState::Rendered;
    job.pageCount = 3;
    job.warningsJson = R"([{"code":"shrunk","message":"縮小しました"}])";
    job.createdAtUs = kStartUs - 2000000;  // accepted two seconds before the store saw it
    const std::string pdf = "%PDF-1.7 full", fax = "%PDF-1.7 masked";
    REQUIRE(f.store->createRendered(job, "cm-tanaka", {{"pdf", pdf}, {"fax_pdf", fax}}, R"({"pages":3})").isOk());

    auto got = f.store->get(job.id);
    REQUIRE(got.isOk());
    CHECK(got->state == JobState::Rendered);
    CHECK(got->pageCount == 3);
    CHECK(got->warningsJson == job.warningsJson);
    CHECK(got->createdAtUs == kStartUs - 2000000);
    CHECK(got->createdAt == "2025-04-01T15:09:58+09:00");
    CHECK(got->updatedAt == "2025-04-01T15:10:00+09:00");
    CHECK(*f.store->document(job.id, "pdf") == pdf);
    CHECK(*f.store->document(job.id, "fax_pdf") == fax);
    auto events = f.store->events(job.id);
    REQUIRE(events.isOk());
    REQUIRE(kinds(*events) == std::vector<std::string>{"accepted", "rendered"});
    CHECK((*events)[0].at == "2025-04-01T15:09:58+09:00");
    CHECK((*events)[1].at == "2025-04-01T15:10:00+09:00");
    CHECK((*events)[1].actor == "cm-tanaka");
    CHECK((*events)[1].detailJson == R"({"pages":3})");
    // It goes on like any rendered job.
    CHECK(f.store->transition(job.id, JobState::Spooled, "spooled", "system", "{}").isOk());
}

TEST_CASE("A rendered job that cannot be stored leaves nothing behind", "[jobs]") {
    Fixture f;
    auto rendered = [] {
        Job job = makeJob();
        job.state = JobState::Rendered;
        job.pageCount = 1;
        job.createdAtUs = kStartUs;
        return job;
    };
    const std::vector<jobs::FrozenDocument> docs = {{"pdf", "%PDF-1.7"}};
    SECTION("bad input is refused before anything is written") {
        Job accepted = rendered();
        accepted.state = JobState::Accepted;
        CHECK(f.store->createRendered(accepted, "system", docs, "{}").code() == Status::Code::InvalidArgument);
        Job noTime = rendered();
        noTime.createdAtUs = 0;
        CHECK(f.store->createRendered(noTime, "system", docs, "{}").code() == Status::Code::InvalidArgument);
        CHECK(f.store->createRendered(rendered(), "system", {}, "{}").code() == Status::Code::InvalidArgument);
        CHECK(f.store->createRendered(rendered(), "system", {{"docx", "PK"}}, "{}").code() ==
              Status::Code::InvalidArgument);
        CHECK(f.store->createRendered(rendered(), "system", {{"pdf", ""}}, "{}").code() ==
              Status::Code::InvalidArgument);
        CHECK(f.store->createRendered(rendered(), "system", docs, "[]").code() == Status::Code::InvalidArgument);
        CHECK(f.store->createRendered(rendered(), "", docs, "{}").code() == Status::Code::InvalidArgument);
    }
    SECTION("a used idempotency key is a Conflict, and the documents are not kept") {
        Job first = rendered();
        first.idempotencyKey = "key-1";
        REQUIRE(f.store->createRendered(first, "system", docs, "{}").isOk());
        Job second = rendered();
        second.idempotencyKey = "key-1";
        CHECK(f.store->createRendered(second, "system", docs, "{}").code() == Status::Code::Conflict);
        CHECK(f.store->get(second.id).status().code() == Status::Code::NotFound);
        CHECK(f.store->document(second.id, "pdf").status().code() == Status::Code::NotFound);
        CHECK(*f.store->count({}) == 1);
        return;
    }
    CHECK(*f.store->count({}) == 0);
}

TEST_CASE("Committed pages reach the database file in the background, with no writer waiting", "[jobs][sqlite]") {
    Fixture f;
    // About 2,000 pages of the log for 80 jobs, a fifth of the writer's own
    // threshold and twice SQLite's default one: SQLite alone would leave them
    // in the log, and a writer with the default threshold would copy them.
    const std::string pdf(100 * 1024, 'x');
    const long long kWrittenBytes = 80LL * 100 * 1024;
    int n = 0;
    auto write80 = [&](JobStore& store) {
        for (int i = 0; i < 80; ++i, ++n) {
            Job job = makeJob("admission-info", R"({"n":)" + std::to_string(n) + "}");
            job.state = JobState::Rendered;
            job.createdAtUs = kStartUs;
            REQUIRE(store.createRendered(job, "system", {{"pdf", pdf + std::to_string(n)}}, "{}").isOk());
        }
    };
    auto databaseBytes = [&] {
        struct stat st = {};
        REQUIRE(::stat(f.dbPath.c_str(), &st) == 0);
        return static_cast<long long>(st.st_size);
    };

    // With the background copy an hour away, the pages stay in the log: no
    // commit copied them itself, so no writer waited for a checkpoint.
    jobs::JobStoreOptions later;
    later.checkpointIntervalMs = 3600 * 1000;
    f.store.reset();
    f.store = f.openStore(later);
    const long long before = databaseBytes();
    write80(*f.store);
    CHECK(databaseBytes() - before < kWrittenBytes / 2);

    // With the usual interval, the background thread copies them soon.
    f.store.reset();  // closing the last connection copies the log as well
    f.store = f.openStore();
    const long long reopened = databaseBytes();
    write80(*f.store);
    bool copied = false;
    for (int waited = 0; waited < 5000 && !copied; waited += 20) {
        copied = databaseBytes() - reopened > kWrittenBytes;
        if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(copied);
    CHECK(*f.store->count({}) == 160);
}

TEST_CASE("Deferred and full writes read back alike, also after reopening", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    REQUIRE(f.store->transition(job.id, JobState::Rendered, "rendered", "system", "{}", {}, jobs::Sync::Deferred)
                .isOk());
    AuditEntry access;
    access.office = "office-a";
    access.role = "submitter";
    access.method = "GET";
    access.route = "/api/v1/jobs/{id}";
    access.jobId = job.id;
    access.client = "127.0.0.1";
    access.status = 200;
    REQUIRE(f.store->appendAudit(access).isOk());  // deferred
    REQUIRE(f.store->transition(job.id, JobState::Spooled, "spooled", "system", "{}").isOk());  // full again

    f.store.reset();
    f.store = f.openStore();
    CHECK(f.store->get(job.id)->state == JobState::Spooled);
    CHECK(kinds(*f.store->events(job.id)) == std::vector<std::string>{"accepted", "rendered", "spooled"});
    AuditFilter all;
    CHECK(f.store->audit(all)->size() == 1);
}

TEST_CASE("A corrupted document is reported as an IOError", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    REQUIRE(f.store->putDocument(job.id, "pdf", "%PDF-1.7 original").isOk());
    {
        auto raw = f.rawSession();
        raw << (kPostgres ? "UPDATE documents SET bytes = convert_to('%PDF-1.7 tampered', 'UTF8') WHERE job_id = $1"
                          : "UPDATE documents SET bytes = CAST('%PDF-1.7 tampered' AS BLOB) WHERE job_id = ?"),
            bind(job.id), now;
    }
    auto back = f.store->document(job.id, "pdf");
    CHECK(back.status().code() == Status::Code::IOError);
    CHECK_THAT(back.status().message(), Catch::Contains("corrupt"));
}

TEST_CASE("list filters by sheet, state, destination, patient and time, newest first, with paging", "[jobs]") {
    Fixture f;
    std::vector<std::string> made;
    for (int i = 0; i < 6; ++i) {
        Job job = makeJob(i % 2 == 0 ? "admission-info" : "discharge-summary", "{\"i\":" + std::to_string(i) + "}");
        job.destination = i < 3 ? "fax-a" : "fax-b";
        if (i == 4) job.patientRef = "P-4";
        REQUIRE(f.store->create(job, "system").isOk());
        made.push_back(job.id);
        f.clock.advanceSeconds(60);
    }
    REQUIRE(f.store->transition(made[2], JobState::Failed, "failed", "w", "{}").isOk());

    auto all = f.store->list({});
    REQUIRE(all.isOk());
    CHECK(ids(*all) == std::vector<std::string>{made[5], made[4], made[3], made[2], made[1], made[0]});

    JobFilter bySheet;
    bySheet.sheetId = "admission-info";
    CHECK(ids(*f.store->list(bySheet)) == std::vector<std::string>{made[4], made[2], made[0]});
    CHECK(*f.store->count(bySheet) == 3);

    JobFilter byState;
    byState.state = "failed";
    CHECK(ids(*f.store->list(byState)) == std::vector<std::string>{made[2]});

    JobFilter byDestination;
    byDestination.destination = "fax-b";
    CHECK(ids(*f.store->list(byDestination)) == std::vector<std::string>{made[5], made[4], made[3]});

    JobFilter byPatient;
    byPatient.patientRef = "P-4";
    CHECK(ids(*f.store->list(byPatient)) == std::vector<std::string>{made[4]});

    JobFilter byTime;  // from job 1 (inclusive) to job 3 (exclusive)
    byTime.fromUs = kStartUs + 60LL * 1000000;
    byTime.toUs = kStartUs + 180LL * 1000000;
    CHECK(ids(*f.store->list(byTime)) == std::vector<std::string>{made[2], made[1]});

    JobFilter combined = bySheet;
    combined.state = "accepted";
    combined.fromUs = kStartUs + 1;
    CHECK(ids(*f.store->list(combined)) == std::vector<std::string>{made[4]});

    JobFilter page;
    page.limit = 2;
    page.offset = 2;
    CHECK(ids(*f.store->list(page)) == std::vector<std::string>{made[3], made[2]});
    page.offset = 6;
    CHECK(f.store->list(page)->empty());
    CHECK(*f.store->count(page) == 6);
}

TEST_CASE("list rejects an unknown state, a bad limit and a negative offset", "[jobs]") {
    Fixture f;
    JobFilter badState;
    badState.state = "queued";
    CHECK(f.store->list(badState).status().code() == Status::Code::InvalidArgument);
    CHECK(f.store->count(badState).status().code() == Status::Code::InvalidArgument);
    for (int limit : {0, -1, jobs::kMaxListLimit + 1}) {
        JobFilter bad;
        bad.limit = limit;
        CHECK(f.store->list(bad).status().code() == Status::Code::InvalidArgument);
    }
    JobFilter negative;
    negative.offset = -1;
    CHECK(f.store->list(negative).status().code() == Status::Code::InvalidArgument);
}

TEST_CASE("unfinished returns accepted, rendering, rendered and held jobs, oldest first", "[jobs]") {
    Fixture f;
    auto createIn = [&](std::vector<JobState> path) {
        Job job = makeJob();
        REQUIRE(f.store->create(job, "system").isOk());
        for (JobState s : path) REQUIRE(f.store->transition(job.id, s, jobs::stateName(s), "w", "{}").isOk());
        f.clock.advanceSeconds(1);
        return job.id;
    };
    std::string accepted = createIn({});
    std::string rendering = createIn({JobState::Rendering});
    createIn({JobState::Rendered, JobState::Spooled});
    std::string rendered = createIn({JobState::Rendered});
    createIn({JobState::Failed});
    std::string held = createIn({JobState::Held});
    createIn({JobState::Held, JobState::Cancelled});
    createIn({JobState::Rendered, JobState::Spooled, JobState::Sent});

    auto open = f.store->unfinished();
    REQUIRE(open.isOk());
    CHECK(ids(*open) == std::vector<std::string>{accepted, rendering, rendered, held});
}

TEST_CASE("The schema version is recorded and an existing database reopens with its jobs", "[jobs]") {
    Fixture f;
    CHECK(*f.store->schemaVersion() == JobStore::kSchemaVersion);
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    REQUIRE(f.store->putDocument(job.id, "pdf", "%PDF").isOk());
    f.store.reset();

    auto reopened = f.openStore();
    CHECK(*reopened->schemaVersion() == JobStore::kSchemaVersion);
    CHECK(reopened->get(job.id)->sheetId == job.sheetId);
    CHECK(*reopened->document(job.id, "pdf") == "%PDF");

    auto raw = f.rawSession();
    int rows = 0;
    raw << "SELECT COUNT(*) FROM schema_version", into(rows), now;
    CHECK(rows == JobStore::kSchemaVersion);  // one row per migration
    if (!kPostgres) {
        std::string journal;
        raw << "PRAGMA journal_mode", into(journal), now;
        CHECK(journal == "wal");
    }
}

TEST_CASE("Issue 21: an audit row can stand for many requests, at the time it is given", "[jobs][audit]") {
    Fixture f;
    AuditEntry window;
    window.route = "(any)";
    window.client = "192.0.2.7";
    window.status = 401;
    window.count = 57;
    window.atUs = kStartUs - 60 * 1000000LL;
    REQUIRE(f.store->appendAudit(window).isOk());
    AuditEntry single;
    single.office = "office-a";
    single.role = "submitter";
    single.method = "GET";
    single.route = "/api/v1/jobs";
    single.client = "127.0.0.1";
    single.status = 200;
    REQUIRE(f.store->appendAudit(single).isOk());
    window.count = 0;
    CHECK(f.store->appendAudit(window).code() == Status::Code::InvalidArgument);

    auto rows = f.store->audit(AuditFilter{});
    REQUIRE(rows);
    REQUIRE(rows->size() == 2);
    CHECK(rows->at(0).count == 1);
    CHECK(rows->at(0).atUs == kStartUs);
    CHECK(rows->at(1).count == 57);
    CHECK(rows->at(1).atUs == kStartUs - 60 * 1000000LL);
    CHECK(rows->at(1).client == "192.0.2.7");
}

TEST_CASE("Issue 21: a version 2 store gains the audit count, its rows counting one request each", "[jobs][audit]") {
    Fixture f;
    AuditEntry e;
    e.route = "/api/v1/jobs";
    e.client = "127.0.0.1";
    e.status = 200;
    REQUIRE(f.store->appendAudit(e).isOk());
    f.store.reset();
    {
        auto raw = f.rawSession();
        rollBackTo(raw, 2);
    }
    f.store = f.openStore();
    CHECK(*f.store->schemaVersion() == JobStore::kSchemaVersion);
    auto rows = f.store->audit(AuditFilter{});
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->at(0).count == 1);
}

TEST_CASE("Issue 15: a version 3 store's idempotency keys become its offices' own", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    job.office = "office-a";
    job.idempotencyKey = "k-before-upgrade";
    REQUIRE(f.store->create(job, "system").isOk());
    f.store.reset();
    {
        auto raw = f.rawSession();
        rollBackTo(raw, 3);
        raw << "UPDATE jobs SET idempotency_key = 'k-before-upgrade'", now;  // as version 3 stored it
    }
    f.store = f.openStore();
    CHECK(*f.store->schemaVersion() == JobStore::kSchemaVersion);
    CHECK(f.store->findByIdempotencyKey("office-a", "k-before-upgrade")->id == job.id);
    CHECK(f.store->findByIdempotencyKey("office-b", "k-before-upgrade").status().code() == Status::Code::NotFound);
}

TEST_CASE("Issue 18: a version 4 store gains reply references (5), then the received-fax tables (6)", "[jobs][reply]") {
    Fixture f;
    Job before = makeJob();
    before.office = "office-a";
    before.idempotencyKey = "k-v4";
    REQUIRE(f.store->create(before, "system").isOk());
    f.store.reset();
    {
        auto raw = f.rawSession();
        rollBackTo(raw, 4);
        // A version 4 build stored the job without a reply reference.
        int tables = -1;
        raw << (kPostgres ? "SELECT CAST(COUNT(*) AS INTEGER) FROM information_schema.tables"
                            " WHERE table_schema = current_schema()"
                            " AND table_name IN ('reply_refs', 'received_files', 'inbox')"
                          : "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('reply_refs', 'received_files', 'inbox')"),
            into(tables), now;
        REQUIRE(tables == 0);
    }
    f.store = f.openStore();
    CHECK(*f.store->schemaVersion() == JobStore::kSchemaVersion);
    {
        auto raw = f.rawSession();
        std::vector<int> versions;
        raw << "SELECT version FROM schema_version ORDER BY version", into(versions), now;
        CHECK(versions == std::vector<int>{1, 2, 3, 4, 5, 6, 7});
    }
    // The old job is kept as it was, without a reference; version 4's office scope stays.
    CHECK(f.store->get(before.id)->replyRef.empty());
    CHECK(f.store->findByIdempotencyKey("office-a", "k-v4")->id == before.id);
    // A new job stores its reference (version 5) and a received file is recorded once (version 6).
    Job after = makeJob("physician-contact", R"({"n":2})");
    after.office = "office-a";
    after.replyRef = "7KQ2M9XDP";
    REQUIRE(f.store->create(after, "system").isOk());
    CHECK(f.store->findByReplyRef("7KQ2M9XDP")->id == after.id);
    jobs::ReceivedFile file;
    file.sha256 = std::string(64, 'a');
    file.name = "fax-1.pdf";
    file.outcome = "unreadable";
    jobs::InboxEntry entry;
    entry.office = "office-a";
    entry.reason = "unreadable_file";
    entry.format = "original";
    entry.bytes = "not a fax";
    entry.sourceName = file.name;
    entry.sourceSha256 = file.sha256;
    file.inbox.push_back(entry);
    REQUIRE(f.store->recordReceivedFile(file, "system").isOk());
    CHECK(*f.store->receivedFileSeen(file.sha256));
    CHECK(f.store->inbox("office-a", false)->size() == 1);
}

TEST_CASE("Issue 18: a version 5 store keeps its reply references and gains the received-fax tables", "[jobs][reply]") {
    Fixture f;
    Job job = makeJob();
    job.office = "office-a";
    job.replyRef = "0000000A0";
    REQUIRE(f.store->create(job, "system").isOk());
    f.store.reset();
    {
        auto raw = f.rawSession();
        rollBackTo(raw, 5);
    }
    f.store = f.openStore();
    CHECK(*f.store->schemaVersion() == JobStore::kSchemaVersion);
    CHECK(f.store->findByReplyRef("0000000A0")->id == job.id);
    CHECK(f.store->inbox("", true)->empty());
    CHECK_FALSE(*f.store->receivedFileSeen(std::string(64, 'b')));
}

TEST_CASE("A database written by a newer build is refused", "[jobs]") {
    Fixture f;
    f.store.reset();
    {
        auto raw = f.rawSession();
        raw << "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')", now;
    }
    auto opened = kPostgres ? JobStore::openPostgreSql(f.conninfo, 1, f.clock) : JobStore::open(f.dbPath, f.clock);
    CHECK(opened.status().code() == Status::Code::Internal);
    CHECK_THAT(opened.status().message(), Catch::Contains("99"));
}

TEST_CASE("The database file is readable by its owner only", "[jobs][sqlite]") {
    Fixture f;
    struct stat st;
    REQUIRE(::stat(f.dbPath.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Opening a database in a missing directory is an IOError", "[jobs][sqlite]") {
    Fixture f;
    auto opened = JobStore::open(f.dir.file("missing/jobs.db"), f.clock);
    CHECK(opened.status().code() == Status::Code::IOError);
}

TEST_CASE("A failure inside create leaves neither the job nor its event", "[jobs]") {
    Fixture f;
    // Fails the second insert of the transaction: the job row is already written.
    f.breakEventInserts();
    Job job = makeJob();
    Status st = f.store->create(job, "system");
    CHECK_FALSE(st.isOk());
    CHECK_THAT(st.message(), Catch::Contains(job.id));
    CHECK(f.store->get(job.id).status().code() == Status::Code::NotFound);
    f.healEventInserts();
    CHECK(f.store->create(job, "system").isOk());
}

TEST_CASE("A failure inside transition leaves the state as it was", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    f.breakEventInserts();
    CHECK_FALSE(f.store->transition(job.id, JobState::Rendered, "rendered", "w", "{}").isOk());
    CHECK(f.store->get(job.id)->state == JobState::Accepted);
    CHECK(f.store->events(job.id)->size() == 1);
}

TEST_CASE("Events cannot be rewritten even by hand", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "cm-tanaka").isOk());
    auto raw = f.rawSession();
    CHECK_THROWS((raw << "UPDATE events SET actor = 'someone-else'", now));
    CHECK((*f.store->events(job.id))[0].actor == "cm-tanaka");
}

TEST_CASE("A database locked by another process answers Unavailable", "[jobs][sqlite]") {
    Fixture f;
    jobs::JobStoreOptions quick;
    quick.busyTimeoutMs = 50;
    f.store = f.openStore(quick);
    auto raw = f.rawSession();
    raw << "BEGIN IMMEDIATE", now;
    Job job = makeJob();
    Status st = f.store->create(job, "system");
    CHECK(st.code() == Status::Code::Unavailable);
    raw << "ROLLBACK", now;
    CHECK(f.store->create(job, "system").isOk());
}

TEST_CASE("Jobs created from many threads at once are all stored", "[jobs]") {
    Fixture f;
    constexpr int kThreads = 8;
    constexpr int kPerThread = 20;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                Job job = makeJob();
                if (!f.store->create(job, "system").isOk()) ++failures;
                if (!f.store->transition(job.id, JobState::Rendering, "rendering", "w", "{}").isOk()) ++failures;
                if (!f.store->get(job.id).isOk()) ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(*f.store->count({}) == kThreads * kPerThread);
    f.store.reset();  // each write synced the log after its commit, many of them with one sync
    f.store = f.openStore();
    CHECK(*f.store->count({}) == kThreads * kPerThread);
}

TEST_CASE("Delivery details, the hold time and the receipt round-trip with a transition", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    job.office = "office-a";
    job.deliveryJson = R"({"partner":"h1","fax":"0166-00-1234"})";
    job.heldUntilUs = 1234567;
    REQUIRE(f.store->create(job, "system").isOk());
    auto stored = f.store->get(job.id);
    REQUIRE(stored);
    CHECK(stored->office == "office-a");
    CHECK(stored->deliveryJson == job.deliveryJson);
    CHECK(stored->heldUntilUs == 1234567);
    JobChanges changes;
    changes.sentAt = "2025-11-20T15:10:00+09:00";
    changes.receiptJson = R"({"person":"佐藤"})";
    REQUIRE(f.store->transition(job.id, JobState::Held, "held", "system", "{}", changes).isOk());
    stored = f.store->get(job.id);
    CHECK(stored->sentAt == "2025-11-20T15:10:00+09:00");
    CHECK(stored->receiptJson == R"({"person":"佐藤"})");
    JobFilter byOffice;
    byOffice.office = "office-a";
    CHECK(f.store->list(byOffice)->size() == 1);
    byOffice.office = "office-b";
    CHECK(f.store->list(byOffice)->empty());
}

TEST_CASE("The audit trail is appended to and filtered, never changed", "[jobs][audit]") {
    Fixture f;
    AuditEntry e;
    e.office = "office-a";
    e.role = "submitter";
    e.method = "GET";
    e.route = "/api/v1/jobs/{id}";
    e.jobId = "0123456789abcdef0123456789abcdef";
    e.client = "127.0.0.1";
    e.status = 200;
    REQUIRE(f.store->appendAudit(e).isOk());
    e.office = "office-b";
    e.jobId.clear();
    REQUIRE(f.store->appendAudit(e).isOk());
    AuditFilter all;
    auto rows = f.store->audit(all);
    REQUIRE(rows);
    CHECK(rows->size() == 2);
    AuditFilter byOffice;
    byOffice.office = "office-a";
    CHECK(f.store->audit(byOffice)->size() == 1);
    AuditFilter byJob;
    byJob.jobId = "0123456789abcdef0123456789abcdef";
    CHECK(f.store->audit(byJob)->size() == 1);
    auto raw = f.rawSession();
    CHECK_THROWS(raw << "UPDATE audit SET office = 'x'", now);
}

TEST_CASE("Issue 20: of two stores racing to take a held job out of held, exactly one wins", "[jobs]") {
    Fixture f;
    auto other = f.openStore();  // another instance on the same database
    std::vector<std::string> held;
    for (int i = 0; i < 20; ++i) {
        Job job = makeJob("admission-info", R"({"n":)" + std::to_string(i) + "}");
        REQUIRE(f.store->create(job, "system").isOk());
        REQUIRE(f.store->transition(job.id, JobState::Rendered, "rendered", "system", "{}").isOk());
        REQUIRE(f.store->transition(job.id, JobState::Held, "held", "system", "{}").isOk());
        held.push_back(job.id);
    }
    std::atomic<int> wins{0}, conflicts{0}, others{0};
    auto claimAll = [&](JobStore& store) {
        for (const std::string& id : held) {
            Status st = store.transitionFrom(id, JobState::Held, JobState::Spooled, "spooled", "dispatcher", "{}");
            if (st.isOk())
                ++wins;
            else if (st.code() == Status::Code::Conflict)
                ++conflicts;
            else
                ++others;
        }
    };
    std::thread a([&] { claimAll(*f.store); });
    std::thread b([&] { claimAll(*other); });
    a.join();
    b.join();
    CHECK(wins == 20);
    CHECK(conflicts == 20);
    CHECK(others == 0);
    for (const std::string& id : held) CHECK(kinds(*f.store->events(id)).back() == "spooled");
    for (const std::string& id : held) CHECK(f.store->events(id)->size() == 4);  // one spooled event each
}

TEST_CASE("Issue 20: stores opening one new database at once all find it migrated", "[jobs]") {
    Fixture f;
    f.store.reset();
    if (kPostgres) f.conninfo = testing_support::freshPostgresSchema();  // never migrated
    else f.dbPath = f.dir.file("fresh.db");
    std::vector<std::unique_ptr<JobStore>> stores(4);
    std::vector<std::string> results(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            auto opened = kPostgres ? JobStore::openPostgreSql(f.conninfo, 1, f.clock) : JobStore::open(f.dbPath, f.clock);
            results[i] = opened.status().toString();
            if (opened) stores[i] = std::move(opened).value();
        });
    for (auto& th : threads) th.join();
    for (int i = 0; i < 4; ++i) {
        INFO("store " << i);
        REQUIRE(results[i] == "OK");
        CHECK(*stores[i]->schemaVersion() == JobStore::kSchemaVersion);
    }
    int rows = 0;
    f.rawSession() << "SELECT COUNT(*) FROM schema_version", into(rows), now;
    CHECK(rows == JobStore::kSchemaVersion);  // each migration ran once
}

// Only in the "postgresql: " run (tests/CMakeLists.txt); its SQLite
// counterpart is the locked-database test.
TEST_CASE("Issue 20: an unreachable PostgreSQL server answers Unavailable", "[jobs][.postgresql]") {
    REQUIRE(kPostgres);
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    // Port 1 on the loopback: nothing listens there.
    auto opened = JobStore::openPostgreSql("host=127.0.0.1 port=1 user=renkei dbname=renkei connect_timeout=2", 1, clock);
    CHECK(opened.status().code() == Status::Code::Unavailable);
    CHECK(JobStore::openPostgreSql("", 1, clock).status().code() == Status::Code::InvalidArgument);
    CHECK(JobStore::openPostgreSql("host=127.0.0.1", 0, clock).status().code() == Status::Code::InvalidArgument);
}

TEST_CASE("Issue 20: a job is claimed by one owner until its lease ends, then may be taken over", "[jobs]") {
    Fixture f;
    Job job = makeJob();
    REQUIRE(f.store->create(job, "system").isOk());
    const long long t0 = kStartUs;
    CHECK(f.store->claim(job.id, "host-a:/srv/a", t0, t0 + 5000000, true).isOk());
    Status taken = f.store->claim(job.id, "host-b:/srv/b", t0 + 1000000, t0 + 6000000, true);
    CHECK(taken.code() == Status::Code::Conflict);
    CHECK_THAT(taken.message(), Catch::Contains("host-a:/srv/a"));
    CHECK(f.store->claim(job.id, "host-a:/srv/a", t0 + 4000000, t0 + 9000000, true).isOk());  // extended
    CHECK(f.store->claim(job.id, "host-b:/srv/b", t0 + 6000000, t0 + 11000000, true).code() == Status::Code::Conflict);
    // Ended: taken over only by an owner that may take over expired claims.
    CHECK(f.store->claim(job.id, "host-b:/srv/b", t0 + 9000000, t0 + 14000000, false).code() ==
          Status::Code::Conflict);
    CHECK(f.store->claim(job.id, "host-b:/srv/b", t0 + 9000000, t0 + 14000000, true).isOk());
    CHECK(f.store->releaseClaim(job.id, "host-a:/srv/a").isOk());  // not a's any more: nothing happens
    CHECK(f.store->claim(job.id, "host-a:/srv/a", t0 + 10000000, t0 + 15000000, true).code() == Status::Code::Conflict);
    CHECK(f.store->releaseClaim(job.id, "host-b:/srv/b").isOk());
    CHECK(f.store->claim(job.id, "host-a:/srv/a", t0 + 10000000, t0 + 15000000, false).isOk());
    CHECK(f.store->claim("0123456789abcdef0123456789abcdef", "host-a", t0, t0 + 1, true).code() ==
          Status::Code::NotFound);
    CHECK(f.store->claim(job.id, "", t0, t0 + 1, true).code() == Status::Code::InvalidArgument);
    CHECK(f.store->claim(job.id, "host-a", t0, t0, true).code() == Status::Code::InvalidArgument);
}

TEST_CASE("Issue 20: orphans are unfinished jobs nobody else holds a live claim on", "[jobs]") {
    Fixture f;
    auto make = [&](JobState to) {
        Job job = makeJob("admission-info", R"({"o":")" + common::newJobId() + "\"}");
        REQUIRE(f.store->create(job, "system").isOk());
        if (to != JobState::Accepted) REQUIRE(f.store->transition(job.id, JobState::Rendered, "x", "system", "{}").isOk());
        if (to == JobState::Spooled) REQUIRE(f.store->transition(job.id, to, "x", "system", "{}").isOk());
        return job.id;
    };
    const std::string free = make(JobState::Rendered);
    const std::string live = make(JobState::Rendered);
    const std::string ended = make(JobState::Rendered);
    const std::string mine = make(JobState::Accepted);
    const std::string done = make(JobState::Spooled);
    const long long t = kStartUs + 1;
    REQUIRE(f.store->claim(live, "other", t, t + 5000000, true).isOk());
    REQUIRE(f.store->claim(ended, "other", t - 10, t - 1 + 10, true).isOk());
    REQUIRE(f.store->claim(mine, "me", t, t + 5000000, true).isOk());
    const long long later = t + 1000;  // after `ended` ran out, before `live` does
    CHECK(ids(*f.store->orphans("me", kStartUs + 1, later, true, 100)) ==
          std::vector<std::string>{free, ended, mine});
    CHECK(ids(*f.store->orphans("me", kStartUs + 1, later, false, 100)) == std::vector<std::string>{free, mine});
    CHECK(f.store->orphans("me", kStartUs, later, true, 100)->empty());  // all created at kStartUs: too young
    CHECK(f.store->orphans("me", kStartUs + 1, later, true, 1)->size() == 1);
    const std::vector<std::string> all = ids(*f.store->orphans("me", t + 1, later, true, 100));
    CHECK(std::find(all.begin(), all.end(), done) == all.end());  // spooled: finished
}

TEST_CASE("Issue 20: of two stores racing to claim the same jobs, exactly one gets each", "[jobs]") {
    Fixture f;
    auto other = f.openStore();
    std::vector<std::string> jobIds;
    for (int i = 0; i < 30; ++i) {
        Job job = makeJob("admission-info", R"({"c":)" + std::to_string(i) + "}");
        REQUIRE(f.store->create(job, "system").isOk());
        jobIds.push_back(job.id);
    }
    std::atomic<int> wins{0}, conflicts{0}, others{0};
    auto claimAll = [&](JobStore& store, const std::string& owner) {
        for (const std::string& id : jobIds) {
            Status st = store.claim(id, owner, kStartUs, kStartUs + 60000000, true);
            (st.isOk() ? wins : st.code() == Status::Code::Conflict ? conflicts : others)++;
        }
    };
    std::thread a([&] { claimAll(*f.store, "a"); });
    std::thread b([&] { claimAll(*other, "b"); });
    a.join();
    b.join();
    CHECK(wins == 30);
    CHECK(conflicts == 30);
    CHECK(others == 0);
}

TEST_CASE("A job's reply reference is stored in reply_refs, read back with the job and finds it", "[jobs][reply]") {
    Fixture f;
    Job a = makeJob();
    a.office = "office-a";
    a.replyRef = "7KQ2M9XDP";
    Job b = makeJob("physician-contact", R"({"n":2})");
    b.office = "office-b";
    b.replyRef = "0000000A0";
    Job old = makeJob("admission-info", R"({"n":3})");  // accepted before issue 18: no reference
    REQUIRE(f.store->create(a, "u").isOk());
    REQUIRE(f.store->create(b, "u").isOk());
    REQUIRE(f.store->create(old, "u").isOk());
    CHECK(f.store->get(a.id)->replyRef == "7KQ2M9XDP");
    CHECK(f.store->get(old.id)->replyRef.empty());
    CHECK(f.store->findByReplyRef("7KQ2M9XDP")->id == a.id);
    CHECK(f.store->findByReplyRef("0000000A0")->id == b.id);
    CHECK(f.store->findByReplyRef("7KQ2M9XDQ").status().code() == common::Status::Code::NotFound);
    CHECK(f.store->findByReplyRef("").status().code() == common::Status::Code::NotFound);
    // Listing carries it too.
    auto listed = f.store->list(JobFilter{});
    REQUIRE(listed);
    CHECK(listed->size() == 3);
    for (const Job& j : *listed) CHECK(j.replyRef == (j.id == a.id ? a.replyRef : j.id == b.id ? b.replyRef : ""));
    // The same reference twice is refused, and nothing of the second job is stored.
    Job again = makeJob("admission-info", R"({"n":4})");
    again.replyRef = a.replyRef;
    CHECK(f.store->create(again, "u").code() == common::Status::Code::Conflict);
    CHECK(f.store->get(again.id).status().code() == common::Status::Code::NotFound);
    // The table holds the office with each reference.
    auto raw = f.rawSession();
    std::string office;
    raw << "SELECT office FROM reply_refs WHERE ref = '7KQ2M9XDP'", Poco::Data::Keywords::into(office),
        Poco::Data::Keywords::now;
    CHECK(office == "office-a");
}
