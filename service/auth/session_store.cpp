#include "auth/session_store.h"

#include <Poco/RandomStream.h>

#include "common/ids.h"

namespace auth {
namespace {

// 256 bits from the OS random source as base64url (43 characters).
std::string randomToken() {
    unsigned char bytes[32];
    Poco::RandomInputStream().read(reinterpret_cast<char*>(bytes), sizeof bytes);
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned bits = 0, value = 0;
    for (unsigned char b : bytes) {
        value = (value << 8) | b;
        bits += 8;
        while (bits >= 6) {
            out += kAlphabet[(value >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits > 0) out += kAlphabet[(value << (6 - bits)) & 63];
    return out;
}

constexpr long long kUsPerSecond = 1000000;
// Expired sessions are swept at most this often (and whenever one is found).
constexpr long long kPurgeIntervalUs = 60 * kUsPerSecond;

}  // namespace

bool constantTimeEquals(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

SessionStore::SessionStore(const common::Clock& clock, SessionLimits limits) : clock_(clock), limits_(limits) {}

bool SessionStore::expired(const Session& s, long long nowUs) const {
    return nowUs - s.lastSeenUs >= limits_.idleSeconds * kUsPerSecond ||
           nowUs - s.createdUs >= limits_.maxAgeSeconds * kUsPerSecond;
}

void SessionStore::purgeLocked(long long nowUs) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = expired(it->second, nowUs) ? sessions_.erase(it) : std::next(it);
    lastPurgeUs_ = nowUs;
}

Session SessionStore::create(const Principal& principal) {
    const long long nowUs = clock_.now().epochMicroseconds();
    Session s{randomToken(), randomToken(), principal, nowUs, nowUs};
    std::lock_guard<std::mutex> lock(mutex_);
    if (sessions_.size() >= limits_.maxSessions) purgeLocked(nowUs);
    if (sessions_.size() >= limits_.maxSessions) {
        auto oldest = sessions_.begin();
        for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
            if (it->second.lastSeenUs < oldest->second.lastSeenUs) oldest = it;
        sessions_.erase(oldest);
    }
    sessions_[common::sha256Hex(s.id)] = s;
    return s;
}

std::optional<Session> SessionStore::use(const std::string& id) {
    if (id.empty() || id.size() > 128) return std::nullopt;
    const long long nowUs = clock_.now().epochMicroseconds();
    const std::string key = common::sha256Hex(id);
    std::lock_guard<std::mutex> lock(mutex_);
    if (nowUs - lastPurgeUs_ >= kPurgeIntervalUs) purgeLocked(nowUs);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return std::nullopt;
    if (expired(it->second, nowUs)) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.lastSeenUs = nowUs;
    return it->second;
}

void SessionStore::remove(const std::string& id) {
    const std::string key = common::sha256Hex(id);
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(key);
}

size_t SessionStore::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessions_.size();
}

}  // namespace auth
