#include "runtime/decode/string_label.h"

#include "stdlib/bpf/sonde/values.h"

#include <fmt/format.h>

#include <iterator>

namespace sonde::decode {
namespace {

// Length of the valid UTF-8 sequence of two or more bytes starting at text[0], or 0.
size_t utf8_sequence(Bytes text) {
  uint8_t lead = text[0];
  size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((text[i] & 0xc0) != 0x80) return 0;
  }
  // Overlong encodings, surrogates and code points past U+10FFFF.
  if (lead == 0xe0 && text[1] < 0xa0) return 0;
  if (lead == 0xed && text[1] >= 0xa0) return 0;
  if (lead == 0xf0 && text[1] < 0x90) return 0;
  if (lead == 0xf4 && text[1] >= 0x90) return 0;
  return length;
}

}  // namespace

bool decode_string(Bytes bytes, std::string& out) {
  out.clear();
  // The kernel could not read the string (stdlib/bpf/sonde/runtime.h's sonde_unreadable).
  if (bytes.size() >= 2 && bytes[0] == SONDE_UNREADABLE && bytes[1] == 0) {
    out = "[unreadable]";
    return false;
  }
  size_t end = 0;
  while (end < bytes.size() && bytes[end] != 0) ++end;
  Bytes text = bytes.first(end);
  for (size_t i = 0; i < text.size();) {
    uint8_t c = text[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else if (size_t n = c >= 0x80 ? utf8_sequence(text.subspan(i)) : 0; n > 0) {
      out.append(reinterpret_cast<const char*>(text.data() + i), n);
      i += n;
      continue;
    } else {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    }
    ++i;
  }
  return true;
}

}  // namespace sonde::decode
