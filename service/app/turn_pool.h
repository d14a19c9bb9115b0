// TurnPool: bounds work that must not all run at once. At most `workers`
// callers hold a turn, at most `queue` more wait for one (first come, first
// served), and anyone beyond that is refused at once with Unavailable, which
// the HTTP layer answers with 503 and Retry-After. The work runs on the
// caller's own thread (the HTTP worker that took the request); the pool is
// the gate it passes, so no work is copied to another thread and no queue of
// requests grows without bound. Thread-safe.
//
// Renders take turns from one pool, sized to the cores (DocumentService); job
// submissions from another, a few per core (JobIntake), so that the jobs in
// progress are few enough to go through the store's lock in arrival order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "common/status.h"

namespace app {

class TurnPool {
public:
    // workers: turns held at once; 0 or less means `perCore` per core.
    // queue: callers that may wait for a turn; 0 means none wait (a caller
    // that finds every worker busy is refused). waitingFor names the work in
    // the refusal, e.g. "描画".
    TurnPool(int workers, int queue, std::string waitingFor, int perCore = 1);
    TurnPool(const TurnPool&) = delete;
    TurnPool& operator=(const TurnPool&) = delete;

    // One turn. Destroying it (or moving from it and destroying the
    // target) gives the turn to the next waiter. Must be destroyed on the
    // thread that acquired it, before the pool.
    class Slot {
    public:
        Slot(Slot&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
        Slot& operator=(Slot&&) = delete;
        Slot(const Slot&) = delete;
        ~Slot();
        // Gives the turn back now, e.g. when the CPU work is done but the
        // caller still has I/O to do. Destroying it afterwards releases nothing.
        void release();

    private:
        friend class TurnPool;
        explicit Slot(TurnPool* pool) : pool_(pool) {}
        TurnPool* pool_;  // nullptr: nested or moved-from, releases nothing
    };

    // Waits for a free worker, in arrival order. Returns Unavailable at once
    // when every worker is busy and `queue` callers are already waiting. A
    // thread that already holds a slot of this pool gets a second one free
    // (it covers the same work), so a caller may reserve a turn before it
    // commits to a job and render inside that turn. Slots of different pools
    // may be held together.
    common::Result<Slot> acquire();

    int workers() const { return workers_; }
    int queueLimit() const { return queue_; }
    // Turns held and callers waiting right now (for tests and logs).
    int running() const;
    int waiting() const;
    // Callers refused so far (the queue was full), for the metrics.
    long long refused() const { return refused_.load(std::memory_order_relaxed); }

private:
    void release();

    // A caller waiting for a turn, on its own stack.
    struct Waiter {
        std::condition_variable turn;
        bool admitted = false;  // guarded by mutex_
    };

    const int workers_;
    const int queue_;
    const std::string waitingFor_;
    std::atomic<long long> refused_{0};
    mutable std::mutex mutex_;
    // Guarded by mutex_:
    int running_ = 0;              // turns held, including those just handed to a waiter
    std::deque<Waiter*> waiters_;  // first come, first served
};

}  // namespace app
