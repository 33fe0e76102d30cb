#include "tools/sonde/capacity_flag.h"

#include <fmt/format.h>

#include <charconv>

#include "support/duration.h"

namespace sonde::cli {

bool parse_capacity_flag(const Args& args, const char* command, driver::Options& options) {
  auto text = args.value("--capacity");
  if (!text) return true;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0 || n > sema::kMaxCapacity) {
    fmt::print(stderr, "sonde {}: --capacity needs a number from 1 to {}\n", command,
               sema::kMaxCapacity);
    return false;
  }
  options.sema.default_capacity = static_cast<uint32_t>(n);
  return true;
}

bool parse_window_flag(const Args& args, const char* command, driver::Options& options) {
  auto text = args.value("--window");
  if (!text) return true;
  auto window = parse_duration(*text);
  if (!window || *window < std::chrono::seconds(1) || *window > std::chrono::hours(1)) {
    fmt::print(stderr, "sonde {}: --window needs a duration from 1s to 1h (e.g. 60s)\n", command);
    return false;
  }
  options.sema.minmax_window_ns = static_cast<uint64_t>(window->count());
  return true;
}

}  // namespace sonde::cli
