#include "tools/sonde/command_line.h"

#include <fmt/format.h>

#include "tools/cli/help.h"

namespace sonde::cli {

const Command& sonde_command(const char* name) { return *sonde_program().command(name); }

std::optional<int> parse_command(const char* name, const std::vector<std::string>& argv,
                                 Args& args) {
  if (!args.parse(argv)) return usage_error(name, args.error());
  if (args.has("--help")) {
    fmt::print("{}", command_help(sonde_program(), sonde_command(name)));
    return 0;
  }
  return std::nullopt;
}

int usage_error(const char* name, const std::string& message) {
  fmt::print(stderr, "sonde {}: {}\n", name, message);
  return 2;
}

}  // namespace sonde::cli
