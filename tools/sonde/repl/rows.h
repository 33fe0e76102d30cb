// A number of rows (--top, `:show N ROWS`): a positive decimal number.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sonde::repl {

inline std::optional<size_t> parse_rows(std::string_view text) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n == 0) return std::nullopt;
  return static_cast<size_t>(n);
}

}  // namespace sonde::repl
