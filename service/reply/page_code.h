// What the QR code on a page carries: the job's reply reference, which
// document of the job, which page of it, and whether the code marks the whole
// page or the reply half of a sheet (the half a physician cuts off and faxes
// back alone), with a check value over all of it. No personal data.
//
// The payload is 16 characters of the QR alphanumeric set, so that it fits a
// version 1 code (21 modules) at error correction level Q:
//   "K" <ref: 9> <document: 1, base36> <page: 2, base36> <part: P|R> <check: 2, base36>
// e.g. "K7KQ2M9XDP101PX4". Document 0 is the fax cover, 1.. the job's sheets
// in request order; pages count from 1 within the document. The check is a
// weighted sum of the first 14 characters mod 1291 (page_code.cpp): every
// single misread character is refused (the reference has its own check too).
// Thread-safe, pure.
#pragma once

#include <optional>
#include <string>

namespace reply {

enum class CodePart { Page, ReplyHalf };

struct PageCode {
    std::string ref;  // stored form (reply_ref.h)
    int document = 0;  // 0..35
    int page = 1;      // 1..1295
    CodePart part = CodePart::Page;
    bool operator==(const PageCode& o) const {
        return ref == o.ref && document == o.document && page == o.page && part == o.part;
    }
};

constexpr int kMaxCodeDocument = 35;
constexpr int kMaxCodePage = 1295;
constexpr size_t kPayloadLength = 16;

// The payload; "" when the reference is not valid or document or page is out of range.
std::string encodePageCode(const PageCode& code);

// The code a payload carries; nullopt for anything that is not exactly a
// payload encodePageCode() makes (wrong length, alphabet, check or reference).
std::optional<PageCode> decodePageCode(const std::string& payload);

}  // namespace reply
