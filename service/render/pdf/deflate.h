// zlib compression for PDF /FlateDecode streams. Internal to render/.
// Deterministic: the same input and level give the same bytes. Thread-safe:
// zlib streams are kept in a pool shared by all threads and reused, so a
// document does not pay for allocating zlib's 256 KiB of state per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace render {

// Levels besides zlib's 1 (fastest) to 9 (smallest). kStored copies the data
// into stored blocks, as fast as a copy. kHuffmanOnly codes bytes without
// the search for repeated strings: on data with few repeats, such as glyph
// outlines, about twice as fast as level 1 and about 12% larger.
constexpr int kStored = 0;
constexpr int kHuffmanOnly = 10;

// level: kStored, 1 to 9, or kHuffmanOnly. Throws std::bad_alloc when zlib
// runs out of memory; zlib cannot otherwise fail on a buffer sized by
// deflateBound.
std::string deflate(std::string_view data, int level);

// A piece of a zlib stream: raw deflate data that starts on a byte boundary,
// refers to nothing before it, and ends with a sync flush (not a final
// block). Pieces compressed separately, some of them once and kept, join into
// one valid stream: that is how the parts of a font subset that every
// document of a sheet shares are compressed only once.
struct DeflatePiece {
    std::string bytes;
    std::uint32_t adler = 1;  // Adler-32 of the uncompressed data
    std::size_t length = 0;   // uncompressed bytes
};

// Compresses data into a piece. Throws std::bad_alloc like deflate().
DeflatePiece deflatePiece(std::string_view data, int level);

// One zlib stream (header, the pieces in order, a final empty block, the
// Adler-32 of the whole) that inflates to the pieces' data concatenated.
std::string joinPieces(const std::vector<const DeflatePiece*>& pieces);

// Compressed forms of data that recurs from document to document (the ruled
// grid and the labels of a sheet's pages), so each is made and compressed
// once. Holds at most kMaxEntries; past that it makes and compresses without
// keeping, so unusual documents cannot grow it. Thread-safe.
class DeflateCache {
public:
    static constexpr std::size_t kMaxEntries = 64;

    // The zlib stream, at level, of what make() returns; make() runs only when
    // key is not kept yet. key must determine make()'s result completely: the
    // output is then the same whether it came from the cache or not.
    std::shared_ptr<const std::string> get(const std::string& key, int level, const std::function<std::string()>& make);

private:
    std::mutex mutex_;
    // Key: the level as one byte, then the caller's key. Guarded by mutex_.
    std::map<std::string, std::shared_ptr<const std::string>> entries_;
};

}  // namespace render
