#include "app/turn_pool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace {

using app::TurnPool;

// Waits (briefly) until cond holds; the pool's counters are the only way to
// see that another thread has reached the queue.
template <typename Cond>
bool eventually(Cond cond) {
    for (int i = 0; i < 2000; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return cond();
}

// A turn held until the optional is reset.
std::optional<TurnPool::Slot> takeTurn(TurnPool& pool) {
    auto slot = pool.acquire();
    REQUIRE(slot.isOk());
    return std::optional<TurnPool::Slot>(std::move(slot).value());
}

}  // namespace

TEST_CASE("with one worker and a queue of one, a third concurrent render is refused as unavailable", "[http]") {
    TurnPool pool(1, 1, "描画");
    std::optional<TurnPool::Slot> first = takeTurn(pool);
    REQUIRE(pool.running() == 1);

    std::promise<void> release;
    auto second = std::async(std::launch::async, [&] {
        auto slot = pool.acquire();  // waits for the first
        bool ok = slot.isOk();
        release.get_future().wait();
        return ok;
    });
    REQUIRE(eventually([&] { return pool.waiting() == 1; }));

    auto third = std::async(std::launch::async, [&] { return pool.acquire().status(); }).get();
    CHECK(third.code() == common::Status::Code::Unavailable);
    CHECK(pool.waiting() == 1);
    CHECK(pool.refused() == 1);  // counted for the metrics; the waiting caller is not

    first.reset();  // the waiting render gets the worker
    REQUIRE(eventually([&] { return pool.waiting() == 0 && pool.running() == 1; }));
    release.set_value();
    CHECK(second.get());
    CHECK(pool.running() == 0);
}

TEST_CASE("released render slots are reused", "[http]") {
    TurnPool pool(1, 0, "描画");
    for (int i = 0; i < 100; ++i) {
        auto slot = pool.acquire();
        REQUIRE(slot.isOk());
        CHECK(pool.running() == 1);
    }
    CHECK(pool.running() == 0);
    CHECK(pool.waiting() == 0);
}

TEST_CASE("a render pool never runs more renders at once than it has workers", "[http]") {
    TurnPool pool(2, 64, "描画");
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                auto slot = pool.acquire();
                if (!slot) {
                    ++refused;
                    continue;
                }
                int now = ++inside;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                --inside;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(most.load() <= 2);
    CHECK(refused.load() == 0);  // 8 callers never exceed 2 workers + 64 waiting
    CHECK(pool.refused() == 0);
    CHECK(pool.running() == 0);
}

TEST_CASE("a thread holding a render slot can render again inside it without waiting", "[http]") {
    TurnPool pool(1, 0, "描画");
    auto reserved = pool.acquire();
    REQUIRE(reserved.isOk());
    {
        auto nested = pool.acquire();  // would be refused if it counted as a second caller
        REQUIRE(nested.isOk());
        CHECK(pool.running() == 1);
    }
    CHECK(pool.running() == 1);  // the nested slot released nothing
    auto other = std::async(std::launch::async, [&] { return pool.acquire().status(); }).get();
    CHECK(other.code() == common::Status::Code::Unavailable);
}

TEST_CASE("zero workers means one per core, or as many per core as asked", "[http]") {
    TurnPool pool(0, 4, "描画");
    CHECK(pool.workers() >= 1);
    CHECK(pool.workers() == static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    CHECK(pool.queueLimit() == 4);
    TurnPool three(0, 4, "ジョブ受付", 3);
    CHECK(three.workers() == 3 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_CASE("a refusal names the work that is waiting", "[http]") {
    TurnPool pool(1, 0, "ジョブ受付");
    auto held = pool.acquire();
    REQUIRE(held.isOk());
    auto refused = std::async(std::launch::async, [&] { return pool.acquire().status(); }).get();
    CHECK(refused.code() == common::Status::Code::Unavailable);
    CHECK(refused.message().find("ジョブ受付の順番待ち") != std::string::npos);
}

TEST_CASE("a thread may hold slots of two pools, and each is given back to its own pool", "[http]") {
    TurnPool outer(1, 0, "ジョブ受付");
    TurnPool inner(1, 0, "描画");
    auto job = outer.acquire();
    REQUIRE(job.isOk());
    {
        auto render = inner.acquire();
        REQUIRE(render.isOk());
        CHECK(inner.running() == 1);
        auto nested = outer.acquire();  // still known as held on this thread
        REQUIRE(nested.isOk());
        CHECK(outer.running() == 1);
    }
    CHECK(inner.running() == 0);
    CHECK(outer.running() == 1);
    auto other = std::async(std::launch::async, [&] { return outer.acquire().status(); }).get();
    CHECK(other.code() == common::Status::Code::Unavailable);
    job.value().release();
    CHECK(outer.running() == 0);
}

TEST_CASE("waiting renders get their turn in arrival order", "[http]") {
    TurnPool pool(1, 8, "描画");
    std::optional<TurnPool::Slot> first = takeTurn(pool);
    std::mutex orderMutex;
    std::vector<int> order;
    std::vector<std::thread> waiters;
    for (int i = 0; i < 4; ++i) {
        waiters.emplace_back([&, i] {
            auto slot = pool.acquire();
            std::lock_guard<std::mutex> lock(orderMutex);
            order.push_back(slot.isOk() ? i : -1);
        });
        REQUIRE(eventually([&] { return pool.waiting() == i + 1; }));  // queued before the next one starts
    }
    first.reset();
    for (auto& t : waiters) t.join();
    CHECK(order == std::vector<int>{0, 1, 2, 3});
    CHECK(pool.running() == 0);
}

TEST_CASE("a slot given back early frees its worker once", "[http]") {
    TurnPool pool(1, 0, "描画");
    auto early = pool.acquire();
    REQUIRE(early.isOk());
    early.value().release();
    CHECK(pool.running() == 0);
    auto next = std::async(std::launch::async, [&] {
        auto slot = pool.acquire();  // would be refused if the turn were still held
        bool ok = slot.isOk();
        return ok;
    }).get();
    CHECK(next);
    auto held = pool.acquire();
    REQUIRE(held.isOk());
    CHECK(pool.running() == 1);
}
