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

RenderPool::Slot::~Slot() { release(); }

void RenderPool::Slot::release() {
    if (pool_) pool_->release();
    pool_ = nullptr;
}

common::Result<RenderPool::Slot> RenderPool::acquire() {
    if (tHeldPool == this) return Slot(nullptr);
    std::unique_lock<std::mutex> lock(mutex_);
    // Waiters are served in arrival order: a newcomer may not overtake them
    // even when a worker happens to be free at the moment it arrives.
    if (waiters_.empty() && running_ < workers_) {
        ++running_;
    } else {
        if (static_cast<int>(waiters_.size()) >= queue_) {
            return common::Status::unavailable("描画の順番待ちが上限(" + std::to_string(queue_) +
                                               "件)に達しています。");
        }
        Waiter me;
        waiters_.push_back(&me);
        me.turn.wait(lock, [&] { return me.admitted; });  // release() handed its worker to us
    }
    tHeldPool = this;
    return Slot(this);
}

void RenderPool::release() {
    if (tHeldPool == this) tHeldPool = nullptr;
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

int RenderPool::running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

int RenderPool::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(waiters_.size());
}

}  // namespace http
