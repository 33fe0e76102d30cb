#include "runtime/decode/bytes.h"

#include <fmt/format.h>

#include <iterator>

namespace sonde::decode {

std::string hex_fallback(Bytes bytes) {
  if (auto v = read_unsigned(bytes)) return fmt::format("0x{:x}", *v);
  std::string out = "0x";
  for (uint8_t b : bytes) fmt::format_to(std::back_inserter(out), "{:02x}", b);
  return out;
}

}  // namespace sonde::decode
