#include <zlib.h>

#include <algorithm>

#include "runtime/spec/bundle.h"

namespace sonde::spec {

// zlib's CRC-32 (IEEE 802.3, reflected 0xEDB88320): the checksum every tool computes
// alike (`python3 -c 'import zlib'` in tests), fed in chunks zlib's uInt can count.
uint32_t crc32(std::span<const uint8_t> bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  constexpr size_t kChunk = 1u << 30;
  for (size_t at = 0; at < bytes.size(); at += kChunk) {
    const size_t n = std::min(kChunk, bytes.size() - at);
    crc = ::crc32(crc, bytes.data() + at, static_cast<uInt>(n));
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace sonde::spec
