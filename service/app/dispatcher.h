// Dispatcher: the background thread that moves jobs on when no request does.
// Every pollMs it hands faxes whose hold window ended to the gateway, sends
// out again jobs whose backoff ended, and reads the gateway's and printer's
// results (so a result is picked up well within 2 seconds) and the faxes
// received back (InboundFaxes, when given), takes over jobs an instance that
// died left unfinished (JobService::adoptOrphans), then runs the
// extra task it was started with (the HTTP layer's audit of unauthenticated
// traffic). A step that fails is logged (the first time, then at most once a
// minute while it goes on) and the next round runs as usual.
// start() and stop() are called from one thread; the rounds run on the
// dispatcher's own.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "app/failure_log.h"
#include "app/inbound_faxes.h"
#include "app/job_service.h"
#include "common/clock.h"

namespace app {

class Dispatcher {
public:
    // The service and the clock must outlive the dispatcher.
    // pollMs: Settings::dispatchPollMs. inbound, when not null, must outlive
    // the dispatcher too.
    Dispatcher(JobService& jobs, const common::Clock& clock, int pollMs, InboundFaxes* inbound = nullptr);
    // Stops the thread (see stop()).
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Starts the rounds. alsoEachRound, when set, runs after the job steps of
    // every round, on the dispatcher's thread; what it uses must outlive
    // stop(). A dispatcher runs once: start() after start() is a logic_error.
    void start(std::function<void()> alsoEachRound = {});
    // Ends the rounds and waits for one in progress to finish. Does nothing
    // when not running.
    void stop();

private:
    void run();

    JobService& jobs_;
    InboundFaxes* const inbound_;
    const int pollMs_;
    FailureLog failures_;
    std::function<void()> alsoEachRound_;  // set before the thread starts
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace app
