#include "runtime/decode/inet.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstring>

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
    case sizeof(sockaddr_in6): {
      // A sockaddr_in or sockaddr_in6 in a buffer the size of the larger
      // (tcp:tcp_probe's saddr, daddr): the family says which.
      sa_family_t family;
      memcpy(&family, bytes.data(), sizeof family);
      if (family == AF_INET)
        return decode_inet(bytes.subspan(offsetof(sockaddr_in, sin_addr), 4), out);
      if (family == AF_INET6)
        return decode_inet(bytes.subspan(offsetof(sockaddr_in6, sin6_addr), 16), out);
      break;
    }
    default:
      break;
  }
  out = hex_fallback(bytes);
  return false;
}

}  // namespace sonde::decode
