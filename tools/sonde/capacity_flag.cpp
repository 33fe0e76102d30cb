#include "tools/sonde/capacity_flag.h"

#include <fmt/format.h>

#include <charconv>

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

}  // namespace sonde::cli
