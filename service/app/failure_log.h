// FailureLog: logs failures that may repeat every dispatcher round (a store
// that cannot be written, a CUPS server that is down) without flooding the
// log: the first failure of a kind at once, then at most one line per
// interval while it goes on (with how many failures it stands for), and one
// line when it works again. Thread-safe.
#pragma once

#include <Poco/Logger.h>

#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace app {

class FailureLog {
public:
    // loggerName: e.g. "renkei.dispatch". The clock must outlive the log.
    FailureLog(const std::string& loggerName, const common::Clock& clock, long long intervalMs = 60 * 1000);
    FailureLog(const FailureLog&) = delete;
    FailureLog& operator=(const FailureLog&) = delete;

    // Notes that `what` (e.g. "reading gateway results") failed with status,
    // and logs it at error level unless it was logged less than the interval
    // ago. Does nothing for an OK status.
    void failed(const std::string& what, const common::Status& status);
    // Notes that `what` worked; logs that it works again if it had failed.
    void succeeded(const std::string& what);
    // failed() or succeeded(), as the status says.
    void note(const std::string& what, const common::Status& status) {
        if (status) succeeded(what);
        else failed(what, status);
    }

private:
    struct Failing {
        long long loggedUs = 0;  // last line about it
        int unlogged = 0;        // failures since then
    };
    Poco::Logger& log_;
    const common::Clock& clock_;
    const long long intervalUs_;
    std::mutex mutex_;
    std::map<std::string, Failing> failing_;  // by what; guarded by mutex_
};

}  // namespace app
