#include "reply/page_code.h"

#include "reply/reply_ref.h"

namespace reply {
namespace {

const char kBase36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

int base36Value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return -1;
}

// A weighted sum of the characters' values in the QR alphanumeric set (0..44)
// mod the prime 1291, weights 1..14: a single changed character changes the
// sum by w * d with 0 < |d| < 45 and 0 < w < 1291, never a multiple of 1291,
// so every single misread character is caught, and so is every swap of two
// different neighbours.
int alnumValue(char c) {
    static const char kAlnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for (int i = 0; i < 45; ++i)
        if (kAlnum[i] == c) return i;
    return 45;
}

std::string check(const std::string& body) {
    long long sum = 0;
    for (size_t i = 0; i < body.size(); ++i) sum += static_cast<long long>(i + 1) * alnumValue(body[i]);
    int v = static_cast<int>(sum % 1291);
    return {kBase36[v / 36], kBase36[v % 36]};
}

}  // namespace

std::string encodePageCode(const PageCode& code) {
    auto ref = parseReplyRef(code.ref);
    if (!ref || *ref != code.ref) return {};
    if (code.document < 0 || code.document > kMaxCodeDocument || code.page < 1 || code.page > kMaxCodePage) return {};
    std::string body = "K" + code.ref;
    body += kBase36[code.document];
    body += kBase36[code.page / 36];
    body += kBase36[code.page % 36];
    body += code.part == CodePart::ReplyHalf ? 'R' : 'P';
    return body + check(body);
}

std::optional<PageCode> decodePageCode(const std::string& payload) {
    if (payload.size() != kPayloadLength || payload[0] != 'K') return std::nullopt;
    const std::string body = payload.substr(0, kPayloadLength - 2);
    if (check(body) != payload.substr(kPayloadLength - 2)) return std::nullopt;
    PageCode code;
    auto ref = parseReplyRef(payload.substr(1, kReplyRefLength));
    if (!ref || *ref != payload.substr(1, kReplyRefLength)) return std::nullopt;
    code.ref = *ref;
    const int d = base36Value(payload[10]), p1 = base36Value(payload[11]), p2 = base36Value(payload[12]);
    if (d < 0 || p1 < 0 || p2 < 0) return std::nullopt;
    code.document = d;
    code.page = p1 * 36 + p2;
    if (code.page < 1) return std::nullopt;
    if (payload[13] == 'R')
        code.part = CodePart::ReplyHalf;
    else if (payload[13] != 'P')
        return std::nullopt;
    return code;
}

}  // namespace reply
