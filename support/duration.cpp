#include "support/duration.h"

#include <fmt/format.h>
#include <charconv>
#include <cmath>

namespace sonde {

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto bad = [&] {
    return Error{fmt::format("invalid duration '{}'", text),
                 "write a number with a unit: 500ms, 5s, 2m, 1h (plain numbers are seconds)"};
  };
  size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.')) {
    ++unit_at;
  }
  std::string_view number = text.substr(0, unit_at);
  std::string_view unit = text.substr(unit_at);
  if (number.empty()) return bad();
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return bad();

  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ns")
    scale = 1;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    return bad();
  double ns = value * scale;
  if (!std::isfinite(ns) || ns > 1e18) return bad();
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

}  // namespace sonde
