#include "reply/reply_ref.h"

#include <Poco/RandomStream.h>

#include <cctype>

namespace reply {
namespace {

const char kSymbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32

int symbolValue(char c) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (c == 'O') return 0;
    if (c == 'I' || c == 'L') return 1;
    for (int i = 0; i < 32; ++i)
        if (kSymbols[i] == c) return i;
    return -1;
}

// The 8 data symbols as a number, mod 37.
int checkValue(const std::string& data) {
    long long value = 0;
    for (char c : data) value = (value * 32 + symbolValue(c)) % 37;
    return static_cast<int>(value);
}

}  // namespace

std::string newReplyRef() {
    Poco::RandomInputStream random;
    for (;;) {
        std::string data;
        for (int i = 0; i < kReplyRefLength - 1; ++i) {
            unsigned char byte = 0;
            random.read(reinterpret_cast<char*>(&byte), 1);
            data += kSymbols[byte & 31];
        }
        int check = checkValue(data);
        if (check < 32) return data + kSymbols[check];  // else draw again: see the header
    }
}

std::optional<std::string> parseReplyRef(const std::string& typed) {
    std::string ref;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        int v = symbolValue(c);
        if (v < 0) return std::nullopt;
        ref += kSymbols[v];
        if (ref.size() > static_cast<size_t>(kReplyRefLength)) return std::nullopt;
    }
    if (ref.size() != static_cast<size_t>(kReplyRefLength)) return std::nullopt;
    const int check = checkValue(ref.substr(0, kReplyRefLength - 1));
    if (check >= 32 || kSymbols[check] != ref.back()) return std::nullopt;
    return ref;
}

std::string displayReplyRef(const std::string& ref) {
    if (ref.size() != static_cast<size_t>(kReplyRefLength)) return ref;
    return ref.substr(0, 4) + "-" + ref.substr(4, 4) + "-" + ref.substr(8);
}

}  // namespace reply
