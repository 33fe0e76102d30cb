#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/parse/parser.h"

namespace sonde::parse {
namespace {

using ast::NumberUnit;

struct Suffix {
  std::string_view text;
  uint64_t scale;
  NumberUnit unit;
};

// Durations are nanoseconds (what the kernel measures); sizes are bytes.
constexpr Suffix kSuffixes[] = {
    {"ns", 1, NumberUnit::kDuration},
    {"us", 1000, NumberUnit::kDuration},
    {"ms", 1000 * 1000, NumberUnit::kDuration},
    {"s", 1000 * 1000 * 1000, NumberUnit::kDuration},
    {"m", 60ULL * 1000 * 1000 * 1000, NumberUnit::kDuration},
    {"h", 3600ULL * 1000 * 1000 * 1000, NumberUnit::kDuration},
    {"B", 1, NumberUnit::kSize},
    {"KiB", 1ULL << 10, NumberUnit::kSize},
    {"MiB", 1ULL << 20, NumberUnit::kSize},
    {"GiB", 1ULL << 30, NumberUnit::kSize},
    {"TiB", 1ULL << 40, NumberUnit::kSize},
    {"KB", 1000, NumberUnit::kSize},
    {"MB", 1000 * 1000, NumberUnit::kSize},
    {"GB", 1000 * 1000 * 1000, NumberUnit::kSize},
};

}  // namespace

bool parse_number(std::string_view text, uint64_t& value, std::string& error) {
  uint64_t v = 0;
  size_t i = 0;
  bool any = false;
  auto overflow = [&] {
    error = "number is too large (more than 64 bits)";
    return false;
  };
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    for (i = 2; i < text.size(); ++i) {
      char c = text[i];
      int digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else if (c == '_')
        continue;
      else
        break;
      if (v >> 60) return overflow();
      v = v * 16 + static_cast<uint64_t>(digit);
      any = true;
    }
    if (!any || i != text.size()) {
      error = "invalid hexadecimal number";
      return false;
    }
    value = v;
    return true;
  }
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') continue;
    if (c < '0' || c > '9') break;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return overflow();
    v = v * 10 + d;
    any = true;
  }
  std::string_view suffix = text.substr(i);
  if (!any) {
    error = "invalid number";
    return false;
  }
  if (suffix.empty()) {
    value = v;
    return true;
  }
  for (const auto& s : kSuffixes) {
    if (suffix == s.text) {
      if (v != 0 && s.scale > UINT64_MAX / v) return overflow();
      value = v * s.scale;
      return true;
    }
  }
  error = "unknown unit '" + std::string(suffix) +
          "' (durations: ns, us, ms, s, m, h; sizes: B, KiB, MiB, GiB, KB, MB, GB)";
  return false;
}

NumberUnit number_unit(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    return NumberUnit::kNone;
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '_')) ++i;
  for (const auto& s : kSuffixes) {
    if (text.substr(i) == s.text) return s.unit;
  }
  return NumberUnit::kNone;
}

}  // namespace sonde::parse
