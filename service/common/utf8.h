// UTF-8 helpers: strict decoding (rejects overlong forms, surrogates and
// code points above U+10FFFF), code-point counting and encoding. Pure
// functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace common {

// Decodes s into code points; nullopt if s is not valid UTF-8.
std::optional<std::u32string> decodeUtf8(const std::string& s);
std::string encodeUtf8(char32_t cp);
std::string encodeUtf8(const std::u32string& s);
// Number of code points; -1 when s is not valid UTF-8.
long long utf8Length(const std::string& s);

}  // namespace common
