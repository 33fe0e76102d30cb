// sonde: one-line eBPF probes as Prometheus metrics.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tools/cli/help.h"
#include "tools/sonde/commands.h"

int main(int argc, char** argv) {
  using namespace sonde::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  const Program& program = sonde_program();
  if (args.empty()) {
    fmt::print(stderr, "{}", program_help(program));
    return 2;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    fmt::print("{}", program_help(program));
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    fmt::print("sonde {}\n", SONDE_VERSION);
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "run") return run_command(args);
  if (command == "check") return check_command(args);
  if (command == "emit-c") return emit_c_command(args);
  if (command == "list") return list_command(args);
  if (command == "build") return build_command(args);
  if (command == "repl") return repl_command(args);
  if (command == "rules") return rules_command(args);
  if (command == "dashboard") return dashboard_command(args);
  fmt::print(stderr, "sonde: unknown command '{}'\n\n{}", command, program_help(program));
  return 2;
}
