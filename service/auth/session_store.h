// SessionStore: browser sessions of the web interface. An office signs in once
// with its token; the session it gets (a random id, kept in an HttpOnly
// cookie) stands for the token's principal until it is unused for idleSeconds,
// reaches maxAgeSeconds, or is ended. Each session has its own CSRF token, which
// the page sends back in a header with every state-changing request. Sessions
// live in memory only: a restart signs everyone out. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/token_registry.h"
#include "common/clock.h"

namespace auth {

struct Session {
    std::string id;         // 256 random bits, base64url; the cookie value
    std::string csrfToken;  // 256 random bits, base64url
    Principal principal;
    long long createdUs = 0;   // microseconds since the epoch
    long long lastSeenUs = 0;  // last request that used it
};

struct SessionLimits {
    long long idleSeconds = 30 * 60;        // web.sessionIdleMinutes
    long long maxAgeSeconds = 12 * 3600;    // web.sessionMaxHours
    size_t maxSessions = 10000;             // beyond this the least recently used session ends
};

class SessionStore {
public:
    // The clock must outlive the store.
    SessionStore(const common::Clock& clock, SessionLimits limits);
    SessionStore(const SessionStore&) = delete;
    SessionStore& operator=(const SessionStore&) = delete;

    // Starts a session for principal and returns it (with its id and CSRF token).
    Session create(const Principal& principal);
    // The live session with this id, marked used now; nullopt for an unknown,
    // idle or expired id (an expired one is removed).
    std::optional<Session> use(const std::string& id);
    // Ends the session; an unknown id is ignored.
    void remove(const std::string& id);
    size_t size() const;

    const SessionLimits& limits() const { return limits_; }

private:
    bool expired(const Session& s, long long nowUs) const;
    void purgeLocked(long long nowUs);

    const common::Clock& clock_;
    const SessionLimits limits_;
    mutable std::mutex mutex_;
    // Keyed by the SHA-256 of the id, so a lookup's timing says nothing about
    // the ids that exist.
    std::map<std::string, Session> sessions_;  // guarded by mutex_
    long long lastPurgeUs_ = 0;                 // guarded by mutex_
};

// True when a and b are equal, in time that depends only on their lengths.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace auth
