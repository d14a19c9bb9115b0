#include "app/failure_log.h"

namespace app {

FailureLog::FailureLog(const std::string& loggerName, const common::Clock& clock, long long intervalMs)
    : log_(Poco::Logger::get(loggerName)), clock_(clock), intervalUs_(intervalMs * 1000) {}

void FailureLog::failed(const std::string& what, const common::Status& status) {
    if (status) return;
    const long long nowUs = clock_.now().epochMicroseconds();
    int unlogged = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto [it, first] = failing_.try_emplace(what);
        Failing& f = it->second;
        if (!first && nowUs - f.loggedUs < intervalUs_) {
            ++f.unlogged;
            return;
        }
        unlogged = f.unlogged;
        f.loggedUs = nowUs;
        f.unlogged = 0;
    }
    if (unlogged > 0)
        log_.error("%s failed: %s (and %d time(s) more since the last line)", what, status.toString(), unlogged);
    else
        log_.error("%s failed: %s", what, status.toString());
}

void FailureLog::succeeded(const std::string& what) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (failing_.erase(what) == 0) return;
    }
    log_.information("%s works again", what);
}

}  // namespace app
