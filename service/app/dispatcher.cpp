#include "app/dispatcher.h"

#include <Poco/Logger.h>

#include <chrono>
#include <stdexcept>

namespace app {

Dispatcher::Dispatcher(JobService& jobs, const common::Clock& clock, int pollMs, InboundFaxes* inbound)
    : jobs_(jobs), inbound_(inbound), pollMs_(pollMs), failures_("renkei.dispatch", clock) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start(std::function<void()> alsoEachRound) {
    if (thread_.joinable() || stopping_) throw std::logic_error("the dispatcher was started before");
    alsoEachRound_ = std::move(alsoEachRound);
    thread_ = std::thread([this] { run(); });
}

void Dispatcher::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Dispatcher::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        try {
            failures_.note("releasing held faxes", jobs_.releaseDueHeld().status());
            failures_.note("sending out jobs again", jobs_.redeliverDue().status());
            failures_.note("collecting gateway and printer results", jobs_.collectResults().status());
            failures_.note("taking over jobs other instances left", jobs_.adoptOrphans().status());
            if (inbound_) failures_.note("reading received faxes", inbound_->collect().status());
            if (alsoEachRound_) alsoEachRound_();
        } catch (const std::exception& e) {
            Poco::Logger::get("renkei.dispatch").error("dispatch round failed: %s", std::string(e.what()));
        }
        lock.lock();
        wake_.wait_for(lock, std::chrono::milliseconds(pollMs_), [this] { return stopping_; });
    }
}

}  // namespace app
