#include "http/render_pool.h"

#include <algorithm>
#include <string>
#include <thread>

namespace http {

namespace {

// The pool whose slot the current thread holds, so that a nested acquire (a
// render inside a turn reserved earlier by the same request) neither waits
// for itself nor takes a second worker.
thread_local const RenderPool* tHeldPool = nullptr;

int defaultWorkers() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

}  // namespace

RenderPool::RenderPool(int workers, int queue)
    : workers_(workers > 0 ? workers : defaultWorkers()), queue_(std::max(0, queue)) {}

RenderPool::Slot::~Slot() {
    if (pool_) pool_->release();
}

common::Result<RenderPool::Slot> RenderPool::acquire() {
    if (tHeldPool == this) return Slot(nullptr);
    std::unique_lock<std::mutex> lock(mutex_);
    // Waiters are served in ticket order: a newcomer may not overtake them
    // even when a worker happens to be free at the moment it arrives.
    if (waiting_ == 0 && running_ < workers_) {
        ++running_;
    } else {
        if (waiting_ >= queue_) {
            return common::Status::unavailable("描画の順番待ちが上限(" + std::to_string(queue_) +
                                               "件)に達しています。");
        }
        const unsigned long long ticket = nextTicket_++;
        ++waiting_;
        turn_.wait(lock, [&] { return ticket == serving_ && running_ < workers_; });
        --waiting_;
        ++serving_;
        ++running_;
        // The next waiter may fit too (several workers freed at once).
        if (waiting_ > 0 && running_ < workers_) turn_.notify_all();
    }
    tHeldPool = this;
    return Slot(this);
}

void RenderPool::release() {
    if (tHeldPool == this) tHeldPool = nullptr;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
        if (waiting_ == 0) return;
    }
    // Every waiter checks its ticket; only the one being served proceeds.
    turn_.notify_all();
}

int RenderPool::running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

int RenderPool::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_;
}

}  // namespace http
