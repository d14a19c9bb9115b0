// Identifiers: unguessable job ids (128 bits from the OS random source, as
// 32 lowercase hex digits) and their validation. Thread-safe.
#pragma once

#include <string>

namespace common {

std::string newJobId();
// True for exactly 32 lowercase hex digits: safe to use in a file name.
bool isValidJobId(const std::string& id);
// Lowercase hex SHA-256 of bytes.
std::string sha256Hex(const std::string& bytes);

}  // namespace common
