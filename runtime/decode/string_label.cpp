#include "runtime/decode/string_label.h"

#include "stdlib/bpf/sonde/values.h"

#include <fmt/format.h>

#include "support/utf8.h"

namespace sonde::decode {

bool decode_string(Bytes bytes, std::string& out) {
  out.clear();
  // The kernel could not read the string (stdlib/bpf/sonde/runtime.h's sonde_unreadable).
  if (bytes.size() >= 2 && bytes[0] == SONDE_UNREADABLE && bytes[1] == 0) {
    out = "[unreadable]";
    return false;
  }
  size_t end = 0;
  while (end < bytes.size() && bytes[end] != 0) ++end;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), end);
  char escaped[4];
  auto hex = [&](unsigned char c) {
    fmt::format_to_n(escaped, sizeof(escaped), "\\x{:02x}", c);
    return std::string_view(escaped, sizeof(escaped));
  };
  escape_utf8(
      text, [&](std::string_view piece) { out += piece; },
      [&](unsigned char c) {
        if (c == '\\') return std::string_view("\\\\");
        return c >= 0x20 && c < 0x7f ? std::string_view() : hex(c);
      },
      hex);
  return true;
}

}  // namespace sonde::decode
