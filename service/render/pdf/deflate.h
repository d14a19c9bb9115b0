// zlib compression for PDF /FlateDecode streams. Internal to render/.
// Deterministic: the same input and level give the same bytes. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace render {

// Level 1 (fastest) to 9 (smallest). Throws std::bad_alloc when zlib runs out
// of memory; zlib cannot otherwise fail on a buffer sized by compressBound.
std::string deflate(std::string_view data, int level);

}  // namespace render
