#include "app/turn_pool.h"

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace app {

namespace {

// The pools whose slots the current thread holds, so that a nested acquire (a
// render inside a turn reserved earlier by the same request) neither waits
// for itself nor takes a second worker.
thread_local std::vector<const TurnPool*> tHeldPools;

bool holds(const TurnPool* pool) {
    return std::find(tHeldPools.begin(), tHeldPools.end(), pool) != tHeldPools.end();
}

}  // namespace

TurnPool::TurnPool(int workers, int queue, std::string waitingFor, int perCore)
    : workers_(workers > 0 ? workers
                           : std::max(1, perCore * static_cast<int>(std::thread::hardware_concurrency()))),
      queue_(std::max(0, queue)),
      waitingFor_(std::move(waitingFor)) {}

TurnPool::Slot::~Slot() { release(); }

void TurnPool::Slot::release() {
    if (pool_) pool_->release();
    pool_ = nullptr;
}

common::Result<TurnPool::Slot> TurnPool::acquire() {
    if (holds(this)) return Slot(nullptr);
    std::unique_lock<std::mutex> lock(mutex_);
    // Waiters are served in arrival order: a newcomer may not overtake them
    // even when a worker happens to be free at the moment it arrives.
    if (waiters_.empty() && running_ < workers_) {
        ++running_;
    } else {
        if (static_cast<int>(waiters_.size()) >= queue_) {
            refused_.fetch_add(1, std::memory_order_relaxed);
            return common::Status::unavailable(waitingFor_ + "の順番待ちが上限(" + std::to_string(queue_) +
                                               "件)に達しています。");
        }
        Waiter me;
        waiters_.push_back(&me);
        me.turn.wait(lock, [&] { return me.admitted; });  // release() handed its worker to us
    }
    tHeldPools.push_back(this);
    return Slot(this);
}

void TurnPool::release() {
    auto held = std::find(tHeldPools.begin(), tHeldPools.end(), this);
    if (held != tHeldPools.end()) tHeldPools.erase(held);
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiters_.empty()) {
        --running_;
        return;
    }
    // The worker passes straight to the first waiter, and only that one
    // thread wakes. Notified under the lock: once it sees `admitted` it may
    // return and destroy its Waiter.
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->admitted = true;
    next->turn.notify_one();
}

int TurnPool::running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

int TurnPool::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(waiters_.size());
}

}  // namespace app
