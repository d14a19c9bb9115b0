#include "common/ids.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/DigestEngine.h>
#include <Poco/RandomStream.h>
#include <Poco/SHA2Engine.h>

#include "common/clock.h"

namespace common {

std::string newJobId() {
    unsigned char bytes[16];
    Poco::RandomInputStream random;
    random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
    static const char* kHex = "0123456789abcdef";
    std::string id;
    id.reserve(32);
    for (unsigned char b : bytes) {
        id += kHex[b >> 4];
        id += kHex[b & 15];
    }
    return id;
}

bool isValidJobId(const std::string& id) {
    if (id.size() != 32) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string sha256Hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string isoJst(Poco::Timestamp t) {
    // Japan has no daylight saving time: a fixed +09:00 offset is exact.
    Poco::DateTime local(t + Poco::Timespan(9 * Poco::Timespan::HOURS));
    return Poco::DateTimeFormatter::format(local, "%Y-%m-%dT%H:%M:%S") + "+09:00";
}

}  // namespace common
