// Reply references: what ties a page that comes back by fax to the job that
// sent it. A reference is 8 random Crockford base32 symbols (40 bits from the
// OS random source, so it says nothing about the job id or about other jobs)
// and a check symbol, the value of the 8 symbols mod 37 (Crockford's check).
// References are only made with a check value below 32, so the check symbol
// is a base32 symbol too: the whole reference is digits and capitals, typeable
// and in the QR code's alphanumeric set. A single wrong symbol or two adjacent
// symbols swapped never pass the check, so a mistyped reference never names
// another job. Printed as "ABCD-EFGH-J" (displayReplyRef); stored and put in
// the code without the hyphens. Thread-safe.
#pragma once

#include <optional>
#include <string>

namespace reply {

constexpr int kReplyRefLength = 9;  // 8 symbols and the check symbol

// A new random reference, e.g. "7KQ2M9XDP".
std::string newReplyRef();

// The reference a person typed or a code carried, in its stored form:
// case, hyphens and spaces do not matter, and I, L (one) and O (zero) are
// read as Crockford says. nullopt unless it has 9 symbols and passes the check.
std::optional<std::string> parseReplyRef(const std::string& typed);

// "7KQ2-M9XD-P": the stored form grouped for reading aloud and typing.
std::string displayReplyRef(const std::string& ref);

}  // namespace reply
