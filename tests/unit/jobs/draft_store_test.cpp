#include "jobs/draft_store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "test_support.h"

using common::Status;
using jobs::Draft;
using jobs::DraftStore;

namespace {

const long long kStartUs = 1743487800LL * 1000000;  // 2025-04-01 15:10 in Japan

Draft draftOf(const std::string& office, const std::string& fields = R"({"fields":{"pt_name":"旭川 太郎"}})") {
    Draft d;
    d.office = office;
    d.sheetId = "admission-info";
    d.title = "旭川 太郎";
    d.contentJson = fields;
    return d;
}

}  // namespace

TEST_CASE("A draft is kept for its office only, and reads back as saved", "[jobs][drafts]") {
    testing_support::TempDir dir;
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    auto store = std::make_unique<DraftStore>(dir.file("drafts.db"), clock, jobs::DraftLimits{});
    REQUIRE(store->open());
    struct stat st {};
    REQUIRE(::stat(dir.file("drafts.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto created = store->create(draftOf("harenire"));
    REQUIRE(created);
    CHECK(created->id.size() == 32);
    CHECK(created->revision == 1);
    CHECK(created->createdAt == "2025-04-01T15:10:00+09:00");
    auto read = store->get("harenire", created->id);
    REQUIRE(read);
    CHECK(read->contentJson == R"({"fields":{"pt_name":"旭川 太郎"}})");
    CHECK(read->title == "旭川 太郎");

    // Another office: as if it did not exist.
    CHECK(store->get("kamui-houkatsu", created->id).status().code() == Status::Code::NotFound);
    CHECK(store->list("kamui-houkatsu")->empty());
    CHECK(store->update("kamui-houkatsu", created->id, 0, draftOf("kamui-houkatsu")).status().code() ==
          Status::Code::NotFound);
    CHECK(store->remove("kamui-houkatsu", created->id).code() == Status::Code::NotFound);
    REQUIRE(store->list("harenire")->size() == 1);
    CHECK(store->list("harenire")->front().contentJson.empty());
}

TEST_CASE("A draft saved from a stale copy is refused, the newest save wins the list order", "[jobs][drafts]") {
    testing_support::TempDir dir;
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    DraftStore storeObject(dir.file("drafts.db"), clock, {});
    DraftStore* store = &storeObject;
    auto a = store->create(draftOf("harenire")).value();
    clock.advanceSeconds(10);
    auto b = store->create(draftOf("harenire")).value();
    CHECK(store->list("harenire")->front().id == b.id);
    clock.advanceSeconds(10);
    auto saved = store->update("harenire", a.id, 1, draftOf("harenire", R"({"fields":{"pt_name":"旭川 花子"}})"));
    REQUIRE(saved);
    CHECK(saved->revision == 2);
    CHECK(store->list("harenire")->front().id == a.id);
    CHECK(store->update("harenire", a.id, 1, draftOf("harenire")).status().code() == Status::Code::Conflict);
    CHECK(store->update("harenire", a.id, 0, draftOf("harenire")));  // 0: whatever is there
    CHECK(store->remove("harenire", a.id));
    CHECK(store->get("harenire", a.id).status().code() == Status::Code::NotFound);
}

TEST_CASE("A draft store whose file cannot be opened reports it on each call and opens once it can", "[jobs][drafts]") {
    testing_support::TempDir dir;
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    DraftStore store(dir.file("missing/drafts.db"), clock, {});
    CHECK(store.open().code() == Status::Code::IOError);  // ENOENT
    CHECK_FALSE(store.list("harenire"));
    CHECK_FALSE(store.create(draftOf("harenire")));
    REQUIRE(::mkdir(dir.file("missing").c_str(), 0700) == 0);
    CHECK(store.create(draftOf("harenire")));
    CHECK(store.list("harenire")->size() == 1);
}

TEST_CASE("Drafts are limited in size and number, and old ones are deleted", "[jobs][drafts]") {
    testing_support::TempDir dir;
    common::FixedClock clock{Poco::Timestamp(kStartUs)};
    DraftStore storeObject(dir.file("drafts.db"), clock, {2048, 2, 30});
    DraftStore* store = &storeObject;
    std::string big = R"({"fields":{"life_history":")" + std::string(3000, 'x') + "\"}}";
    CHECK(store->create(draftOf("harenire", big)).status().code() == Status::Code::TooLarge);
    auto first = store->create(draftOf("harenire")).value();
    CHECK(store->update("harenire", first.id, 0, draftOf("harenire", big)).status().code() == Status::Code::TooLarge);
    CHECK(store->create(draftOf("harenire")));
    CHECK(store->create(draftOf("harenire")).status().code() == Status::Code::Conflict);
    CHECK(store->create(draftOf("kamui-houkatsu")));  // the limit is per office
    clock.advanceSeconds(31 * 86400);
    CHECK(store->create(draftOf("harenire")));  // the old ones went first
    CHECK(store->list("harenire")->size() == 1);
}
