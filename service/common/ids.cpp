#include "common/ids.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/RandomStream.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "common/clock.h"

namespace common {

namespace {

std::string hex(const unsigned char* bytes, size_t size) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (size_t i = 0; i < size; ++i) {
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 15];
    }
    return out;
}

}  // namespace

std::string newJobId() {
    unsigned char bytes[16];
    Poco::RandomInputStream random;
    random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
    return hex(bytes, sizeof bytes);
}

bool isValidJobId(const std::string& id) {
    if (id.size() != 32) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string sha256Hex(const std::string& bytes) {
    // OpenSSL's SHA-256 uses the CPU's SHA extensions: about ten times faster
    // than Poco::SHA2Engine on a 100 KB PDF. The algorithm is fetched once;
    // OpenSSL 3 would otherwise look it up again on every call.
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!kSha256 || !EVP_Digest(bytes.data(), bytes.size(), digest, &size, kSha256, nullptr))
        throw std::runtime_error("OpenSSL cannot compute SHA-256");
    return hex(digest, size);
}

std::string isoJst(Poco::Timestamp t) {
    // Japan has no daylight saving time: a fixed +09:00 offset is exact.
    Poco::DateTime local(t + Poco::Timespan(9 * Poco::Timespan::HOURS));
    return Poco::DateTimeFormatter::format(local, "%Y-%m-%dT%H:%M:%S") + "+09:00";
}

}  // namespace common
