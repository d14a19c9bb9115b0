#include "render/pdf/deflate.h"

#include <zlib.h>

#include <new>

namespace render {

std::string deflate(std::string_view data, int level) {
    uLongf size = compressBound(static_cast<uLong>(data.size()));
    std::string out(size, '\0');
    int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                       static_cast<uLong>(data.size()), level);
    if (rc != Z_OK) throw std::bad_alloc();
    out.resize(size);
    return out;
}

}  // namespace render
