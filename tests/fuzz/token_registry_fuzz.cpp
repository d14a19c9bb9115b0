// Fuzz target: the tokens file (auth.tokensFile, config/tokens.example.csv)
// and a token checked against what it loaded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/token_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string csv(reinterpret_cast<const char*>(data), size);
    std::vector<auth::TokenLine> problems;
    auto registry = auth::TokenRegistry::parse(csv, problems);
    if (registry) registry.value()->verify(csv.substr(0, 64));
    return 0;
}
