// Little-endian integer reads from label bytes, and the numeric fallback every decoder
// uses when a value cannot be decoded.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

namespace sonde::decode {

using Bytes = std::span<const uint8_t>;

// The value of a 1, 2, 4 or 8 byte little-endian integer; nullopt for other sizes.
inline std::optional<uint64_t> read_unsigned(Bytes bytes) {
  switch (bytes.size()) {
    case 1:
      return bytes[0];
    case 2: {
      uint16_t v;
      std::memcpy(&v, bytes.data(), 2);
      return v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, bytes.data(), 4);
      return v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, bytes.data(), 8);
      return v;
    }
    default:
      return std::nullopt;
  }
}

// Same, sign-extended from the integer's width.
inline std::optional<int64_t> read_signed(Bytes bytes) {
  auto u = read_unsigned(bytes);
  if (!u) return std::nullopt;
  switch (bytes.size()) {
    case 1:
      return static_cast<int8_t>(*u);
    case 2:
      return static_cast<int16_t>(*u);
    case 4:
      return static_cast<int32_t>(*u);
    default:
      return static_cast<int64_t>(*u);
  }
}

// "0x" and the bytes as an integer (1-8 bytes), or in memory order (any other size).
std::string hex_fallback(Bytes bytes);

}  // namespace sonde::decode
