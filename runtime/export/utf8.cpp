#include "runtime/export/utf8.h"

#include <array>

namespace sonde::exporter {

bool is_plain_ascii(std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

bool is_plain_quotable(std::string_view text) {
  static constexpr std::array<bool, 256> kNotPlain = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c >= 0x7F || c == '\\' || c == '"';
    return table;
  }();
  bool plain = true;
  for (char c : text) plain &= !kNotPlain[static_cast<unsigned char>(c)];
  return plain;
}

bool is_valid_utf8(std::string_view text) {
  return is_plain_ascii(text) || first_invalid_utf8(text) == std::string_view::npos;
}

void append_utf8_lossy(std::string& out, std::string_view text) {
  escape_utf8(
      text, [&](std::string_view piece) { out += piece; },
      [](unsigned char) { return std::string_view(); },
      [](unsigned char) { return kReplacementCharacter; });
}

}  // namespace sonde::exporter
