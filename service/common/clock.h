// Clock: where the service reads the time, so tests can fix it.
// SystemClock is thread-safe; FixedClock is for tests.
#pragma once

#include <Poco/Timestamp.h>

#include <atomic>
#include <string>

namespace common {

class Clock {
public:
    virtual ~Clock() = default;
    virtual Poco::Timestamp now() const = 0;
};

class SystemClock : public Clock {
public:
    Poco::Timestamp now() const override { return Poco::Timestamp(); }
};

// Test clock: returns the time it was set to.
class FixedClock : public Clock {
public:
    explicit FixedClock(Poco::Timestamp t) : t_(t.epochMicroseconds()) {}
    Poco::Timestamp now() const override { return Poco::Timestamp(t_.load()); }
    void set(Poco::Timestamp t) { t_ = t.epochMicroseconds(); }
    void advanceSeconds(long long s) { t_ += s * 1000000; }

private:
    std::atomic<long long> t_;
};

// ISO 8601 in Japan time, e.g. "2025-04-01T15:10:00+09:00" (the sheets' zone).
std::string isoJst(Poco::Timestamp t);

}  // namespace common
