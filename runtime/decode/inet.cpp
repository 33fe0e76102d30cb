#include "runtime/decode/inet.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace sonde::decode {
namespace {

std::string ipv4(Bytes b) { return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]); }

bool v4_mapped(Bytes b) {
  for (size_t i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

bool decode_inet(Bytes bytes, std::string& out) {
  switch (bytes.size()) {
    case 4:
    case 8:  // little-endian host: the integer's low half comes first in memory
      out = ipv4(bytes.first(4));
      return true;
    case 16: {
      if (v4_mapped(bytes)) {
        out = ipv4(bytes.subspan(12, 4));
        return true;
      }
      char text[INET6_ADDRSTRLEN];
      if (!inet_ntop(AF_INET6, bytes.data(), text, sizeof(text))) break;
      out = text;
      return true;
    }
    default:
      break;
  }
  out = hex_fallback(bytes);
  return false;
}

}  // namespace sonde::decode
