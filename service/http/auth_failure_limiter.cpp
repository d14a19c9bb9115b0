#include "http/auth_failure_limiter.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <stdexcept>

namespace http {
namespace {

const char* kOtherAddresses = "*";

// Ended windows wait in memory until the server writes them, every dispatch
// round; this many per tracked address is far more than one window needs, and
// only matters if the writing stops.
constexpr size_t kEndedEntriesPerAddress = 8;

Poco::Logger& log() { return Poco::Logger::get("renkei.auth"); }

}  // namespace

AuthFailureLimiter::AuthFailureLimiter(const common::Clock& clock, AuthFailureLimits limits)
    : clock_(clock), limits_(limits) {
    if (limits_.maxFailures < 1 || limits_.windowSeconds < 1 || limits_.maxAddresses < 1)
        throw std::invalid_argument("auth failure limits must be at least 1");
}

int AuthFailureLimiter::failed(const std::string& address) {
    std::lock_guard<std::mutex> lock(mutex_);
    const long long nowUs = clock_.now().epochMicroseconds();
    rollLocked(nowUs);
    bool tracked = false;
    Counts& counts = countsLocked(address, tracked);
    ++counts.failures;
    const bool limited = tracked && counts.failures > limits_.maxFailures;
    ++counts.byStatus[limited ? 429 : 401];
    if (!limited) return 0;
    const long long leftUs = windowStartUs_ + windowUs() - nowUs;
    const int retryAfter = static_cast<int>(std::max(1LL, (leftUs + 999999) / 1000000));
    if (counts.failures == limits_.maxFailures + 1)
        log().warning("client %s: more than %d failed authentications in %d s; answering 429 for %d s", address,
                      limits_.maxFailures, limits_.windowSeconds, retryAfter);
    return retryAfter;
}

int AuthFailureLimiter::retryAfter(const std::string& address) {
    std::lock_guard<std::mutex> lock(mutex_);
    const long long nowUs = clock_.now().epochMicroseconds();
    rollLocked(nowUs);
    auto it = current_.find(address);
    if (it == current_.end() || it->second.failures <= limits_.maxFailures) return 0;
    const long long leftUs = windowStartUs_ + windowUs() - nowUs;
    return static_cast<int>(std::max(1LL, (leftUs + 999999) / 1000000));
}

void AuthFailureLimiter::refused(const std::string& address, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    rollLocked(clock_.now().epochMicroseconds());
    bool tracked = false;
    ++countsLocked(address, tracked).byStatus[status];
}

std::vector<jobs::AuditEntry> AuthFailureLimiter::takeEnded(bool all) {
    std::lock_guard<std::mutex> lock(mutex_);
    rollLocked(clock_.now().epochMicroseconds());
    if (all) closeLocked();
    if (dropped_ > 0) {
        log().error("%d aggregated audit row(s) of unauthenticated requests dropped: they were not written in time",
                    dropped_);
        dropped_ = 0;
    }
    std::vector<jobs::AuditEntry> out;
    out.swap(ended_);
    return out;
}

void AuthFailureLimiter::rollLocked(long long nowUs) {
    const long long startUs = nowUs - nowUs % windowUs();
    if (startUs == windowStartUs_) return;
    closeLocked();
    windowStartUs_ = startUs;
}

void AuthFailureLimiter::closeLocked() {
    const size_t cap = kEndedEntriesPerAddress * (static_cast<size_t>(limits_.maxAddresses) + 1);
    auto emit = [&](const std::string& client, const Counts& counts) {
        for (const auto& [status, requests] : counts.byStatus) {
            if (ended_.size() >= cap) {
                ++dropped_;
                continue;
            }
            jobs::AuditEntry e;
            e.route = "(any)";
            e.client = client;
            e.status = status;
            e.count = requests;
            e.atUs = windowStartUs_;
            ended_.push_back(e);
        }
    };
    for (const auto& [address, counts] : current_) emit(address, counts);
    emit(kOtherAddresses, others_);
    current_.clear();
    others_ = Counts();
}

AuthFailureLimiter::Counts& AuthFailureLimiter::countsLocked(const std::string& address, bool& tracked) {
    auto it = current_.find(address);
    tracked = it != current_.end() || current_.size() < static_cast<size_t>(limits_.maxAddresses);
    if (!tracked) return others_;
    return it != current_.end() ? it->second : current_[address];
}

}  // namespace http
