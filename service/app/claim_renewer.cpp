#include "app/claim_renewer.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>

namespace app {

ClaimRenewer::ClaimRenewer(jobs::JobStore& store, const common::Clock& clock, std::string owner, long long claimMs,
                           std::function<void(const std::string&)> stepHook)
    : store_(store), clock_(clock), owner_(std::move(owner)), claimMs_(claimMs), stepHook_(std::move(stepHook)),
      thread_([this] { run(); }) {}

ClaimRenewer::~ClaimRenewer() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

ClaimRenewer::Hold::Hold(ClaimRenewer& renewer, std::string jobId) : renewer_(renewer), jobId_(std::move(jobId)) {
    std::lock_guard<std::mutex> lock(renewer_.mutex_);
    renewer_.held_.insert(jobId_);
}

ClaimRenewer::Hold::~Hold() {
    // Waits out a round of renewals in progress, so none comes after.
    std::lock_guard<std::mutex> lock(renewer_.mutex_);
    renewer_.held_.erase(jobId_);
}

void ClaimRenewer::run() {
    // A third of the claim: two renewals may fail (the database briefly
    // unreachable) before the claim runs out.
    const auto period = std::chrono::milliseconds(std::max<long long>(claimMs_ / 3, 1));
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
        if (held_.empty()) continue;
        renewHeld();
        if (!stepHook_) continue;
        lock.unlock();
        stepHook_("claims.renewed");
        lock.lock();
    }
}

void ClaimRenewer::renewHeld() {
    for (const std::string& id : held_) {
        const long long nowUs = clock_.now().epochMicroseconds();
        common::Status renewed = store_.claim(id, owner_, nowUs, nowUs + claimMs_ * 1000, false);
        if (!renewed)  // Conflict: another instance took it over (ours had run out); else the store is unreachable
            Poco::Logger::get("renkei.delivery")
                .error("job %s: claim not renewed during its hand-over: %s", id, renewed.toString());
    }
}

}  // namespace app
