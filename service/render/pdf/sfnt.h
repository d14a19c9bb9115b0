// Big-endian reads and writes for the sfnt (TrueType) container. Internal to
// render/. Readers take a string_view and an offset the caller has checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace render::sfnt {

inline std::uint16_t u16(std::string_view data, std::size_t offset) {
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[offset]) << 8) |
                                      static_cast<std::uint8_t>(data[offset + 1]));
}

inline std::int16_t s16(std::string_view data, std::size_t offset) {
    return static_cast<std::int16_t>(u16(data, offset));
}

inline std::uint32_t u24(std::string_view data, std::size_t offset) {
    return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[offset])) << 16) | u16(data, offset + 1);
}

inline std::uint32_t u32(std::string_view data, std::size_t offset) {
    return (static_cast<std::uint32_t>(u16(data, offset)) << 16) | u16(data, offset + 2);
}

inline void putU16(std::string& out, std::uint16_t value) {
    out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value & 0xFF));
}

inline void putU32(std::string& out, std::uint32_t value) {
    putU16(out, static_cast<std::uint16_t>(value >> 16));
    putU16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}

inline void setU16(std::string& out, std::size_t offset, std::uint16_t value) {
    out[offset] = static_cast<char>(value >> 8);
    out[offset + 1] = static_cast<char>(value & 0xFF);
}

inline void setU32(std::string& out, std::size_t offset, std::uint32_t value) {
    setU16(out, offset, static_cast<std::uint16_t>(value >> 16));
    setU16(out, offset + 2, static_cast<std::uint16_t>(value & 0xFFFF));
}

}  // namespace render::sfnt
