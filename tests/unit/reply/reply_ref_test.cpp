// Reply references and page-code payloads (issue 18): random, checked, and a
// single mistyped or misread symbol never names another job or page.
#include <catch2/catch.hpp>

#include <set>

#include "reply/page_code.h"
#include "reply/reply_ref.h"

namespace {
const std::string kSymbols = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const std::string kAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
}  // namespace

TEST_CASE("New reply references are 9 valid base32 symbols and do not repeat", "[reply]") {
    std::set<std::string> seen;
    for (int i = 0; i < 5000; ++i) {
        std::string ref = reply::newReplyRef();
        REQUIRE(ref.size() == 9);
        for (char c : ref) REQUIRE(kSymbols.find(c) != std::string::npos);
        REQUIRE(reply::parseReplyRef(ref) == ref);
        seen.insert(ref);
    }
    CHECK(seen.size() == 5000);
    // Every symbol is used at every data position: nothing is fixed or derived.
    for (int pos = 0; pos < 8; ++pos) {
        std::set<char> at;
        for (const auto& r : seen) at.insert(r[pos]);
        CHECK(at.size() == 32);
    }
}

TEST_CASE("A typed reference may use lower case, hyphens, spaces, O for 0 and I or L for 1", "[reply]") {
    std::string ref = reply::newReplyRef();
    std::string shown = reply::displayReplyRef(ref);
    CHECK(shown.size() == 11);
    CHECK(shown[4] == '-');
    CHECK(reply::parseReplyRef(shown) == ref);
    std::string lower;
    for (char c : shown) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(reply::parseReplyRef(" " + lower.substr(0, 5) + " " + lower.substr(5)) == ref);
    std::string zeros = "00000000";
    zeros += '0';  // value 0 mod 37 = 0
    CHECK(reply::parseReplyRef("oooo-oooo-o") == zeros);
    CHECK_FALSE(reply::parseReplyRef(""));
    CHECK_FALSE(reply::parseReplyRef(ref.substr(0, 8)));
    CHECK_FALSE(reply::parseReplyRef(ref + "0"));
    CHECK_FALSE(reply::parseReplyRef(ref.substr(0, 8) + "U"));
    CHECK_FALSE(reply::parseReplyRef("ABCD_EFGH_J"));
}

TEST_CASE("Every single wrong symbol and every swap of two neighbours fails the check", "[reply]") {
    for (int n = 0; n < 200; ++n) {
        const std::string ref = reply::newReplyRef();
        for (size_t pos = 0; pos < ref.size(); ++pos) {
            for (char c : kSymbols) {
                if (c == ref[pos]) continue;
                std::string typo = ref;
                typo[pos] = c;
                INFO(ref << " -> " << typo);
                REQUIRE_FALSE(reply::parseReplyRef(typo));
            }
            if (pos + 1 < ref.size() && ref[pos] != ref[pos + 1]) {
                std::string swapped = ref;
                std::swap(swapped[pos], swapped[pos + 1]);
                INFO(ref << " -> " << swapped);
                REQUIRE_FALSE(reply::parseReplyRef(swapped));
            }
        }
    }
}

TEST_CASE("A page code round-trips, fits a version 1 code and rejects every single misread character", "[reply]") {
    const std::string ref = reply::newReplyRef();
    for (int document : {0, 1, 35})
        for (int page : {1, 2, 36, 1295})
            for (auto part : {reply::CodePart::Page, reply::CodePart::ReplyHalf}) {
                reply::PageCode code{ref, document, page, part};
                std::string payload = reply::encodePageCode(code);
                REQUIRE(payload.size() == reply::kPayloadLength);
                for (char c : payload) REQUIRE(kAlnum.find(c) != std::string::npos);
                auto back = reply::decodePageCode(payload);
                REQUIRE(back);
                CHECK(*back == code);
                for (size_t pos = 0; pos < payload.size(); ++pos)
                    for (char c : kAlnum) {
                        if (c == payload[pos]) continue;
                        std::string bad = payload;
                        bad[pos] = c;
                        INFO(payload << " -> " << bad);
                        REQUIRE_FALSE(reply::decodePageCode(bad));
                    }
            }
    CHECK(reply::encodePageCode({ref, 36, 1, reply::CodePart::Page}).empty());
    CHECK(reply::encodePageCode({ref, 0, 0, reply::CodePart::Page}).empty());
    CHECK(reply::encodePageCode({ref, 0, 1296, reply::CodePart::Page}).empty());
    CHECK(reply::encodePageCode({"ABCDEFGHJ", 0, 1, reply::CodePart::Page}).empty() !=
          reply::parseReplyRef("ABCDEFGHJ").has_value());
    CHECK_FALSE(reply::decodePageCode("https://example.invalid/"));
    CHECK_FALSE(reply::decodePageCode(""));
}
