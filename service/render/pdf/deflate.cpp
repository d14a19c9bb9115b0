#include "render/pdf/deflate.h"

#include <zlib.h>

#include <array>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace render {

namespace {

// One zlib deflate stream of one level and format, reset between uses.
class Deflater {
public:
    Deflater(int level, int windowBits) {
        const bool huffman = level == kHuffmanOnly;
        if (deflateInit2(&stream_, huffman ? 1 : level, Z_DEFLATED, windowBits, 8,
                         huffman ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY) != Z_OK) {
            throw std::bad_alloc();
        }
    }
    ~Deflater() { deflateEnd(&stream_); }
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    // Compresses data and appends the output to out, ending with flush
    // (Z_FINISH or Z_SYNC_FLUSH).
    void run(std::string_view data, int flush, std::string& out) {
        deflateReset(&stream_);
        std::size_t start = out.size();
        // deflateBound covers Z_FINISH; a sync flush adds at most 6 bytes more.
        out.resize(start + deflateBound(&stream_, static_cast<uLong>(data.size())) + 16);
        stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        stream_.avail_in = static_cast<uInt>(data.size());
        stream_.next_out = reinterpret_cast<Bytef*>(&out[start]);
        stream_.avail_out = static_cast<uInt>(out.size() - start);
        int rc = ::deflate(&stream_, flush);
        // A sync flush is complete only if zlib had room left for all of it.
        bool done = flush == Z_FINISH ? rc == Z_STREAM_END
                                      : (rc == Z_OK && stream_.avail_in == 0 && stream_.avail_out > 0);
        if (!done) throw std::bad_alloc();
        out.resize(out.size() - stream_.avail_out);
    }

private:
    z_stream stream_{};
};

constexpr int kZlibWindow = 15;   // zlib header and Adler-32 trailer
constexpr int kRawWindow = -15;   // bare deflate data, for pieces
constexpr std::size_t kKinds = 2 * (kHuffmanOnly + 1);
constexpr std::size_t kMaxIdlePerKind = 8;

// Idle zlib streams, shared by all threads. Each holds about 256 KiB, and
// the HTTP server has many more threads than render at once: streams kept per
// thread would cost megabytes on threads that render now and then, while a
// shared pool holds about as many as renders ever ran together.
class DeflaterPool {
public:
    std::unique_ptr<Deflater> take(std::size_t kind) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& idle = idle_[kind];
        if (idle.empty()) return nullptr;
        auto deflater = std::move(idle.back());
        idle.pop_back();
        return deflater;
    }
    void give(std::size_t kind, std::unique_ptr<Deflater> deflater) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (idle_[kind].size() < kMaxIdlePerKind) idle_[kind].push_back(std::move(deflater));
    }

private:
    std::mutex mutex_;
    std::array<std::vector<std::unique_ptr<Deflater>>, kKinds> idle_;  // guarded by mutex_
};

DeflaterPool& pool() {
    static DeflaterPool* pool = new DeflaterPool;  // never destroyed: used until the process ends
    return *pool;
}

// A stream taken from the pool for one use and given back after it.
class Lease {
public:
    Lease(int level, bool raw) {
        if (level < kStored || level > kHuffmanOnly) level = 6;
        kind_ = static_cast<std::size_t>(level) * 2 + (raw ? 1 : 0);
        deflater_ = pool().take(kind_);
        if (!deflater_) deflater_ = std::make_unique<Deflater>(level, raw ? kRawWindow : kZlibWindow);
    }
    ~Lease() { pool().give(kind_, std::move(deflater_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Deflater* operator->() { return deflater_.get(); }

private:
    std::size_t kind_;
    std::unique_ptr<Deflater> deflater_;
};

}  // namespace

std::string deflate(std::string_view data, int level) {
    std::string out;
    Lease(level, false)->run(data, Z_FINISH, out);
    return out;
}

DeflatePiece deflatePiece(std::string_view data, int level) {
    DeflatePiece piece;
    Lease(level, true)->run(data, Z_SYNC_FLUSH, piece.bytes);
    piece.adler = static_cast<std::uint32_t>(
        adler32_z(adler32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
    piece.length = data.size();
    return piece;
}

std::string joinPieces(const std::vector<const DeflatePiece*>& pieces) {
    std::size_t size = 2 + 2 + 4;
    for (const DeflatePiece* p : pieces) size += p->bytes.size();
    std::string out;
    out.reserve(size);
    // CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes the header a multiple of 31.
    out.push_back('\x78');
    out.push_back('\x01');
    uLong adler = adler32_z(0, nullptr, 0);
    for (const DeflatePiece* p : pieces) {
        out.append(p->bytes);
        adler = adler32_combine(adler, p->adler, static_cast<z_off_t>(p->length));
    }
    // A final fixed-Huffman block holding only its end code: bits 1, 01, 0000000.
    out.push_back('\x03');
    out.push_back('\x00');
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((adler >> shift) & 0xFF));
    return out;
}

std::shared_ptr<const std::string> DeflateCache::get(const std::string& key, int level,
                                                     const std::function<std::string()>& make) {
    std::string fullKey(1, static_cast<char>(level));
    fullKey += key;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(fullKey);
        if (it != entries_.end()) return it->second;
    }
    auto compressed = std::make_shared<const std::string>(render::deflate(make(), level));
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() < kMaxEntries) entries_.emplace(std::move(fullKey), compressed);
    return compressed;
}

}  // namespace render
