// sonde repl: the interactive loop lives in tools/sonde/repl/.
#include <fmt/format.h>

#include "tools/cli/args.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/repl/repl.h"

namespace sonde::cli {

int repl_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("repl"));
  if (auto exit = parse_command("repl", argv, args)) return *exit;
  if (!args.positionals().empty()) {
    fmt::print(stderr, "sonde repl: unexpected argument '{}'\n", args.positionals()[0]);
    return 2;
  }
  repl::Options options;
  options.listen = args.value("--listen");
  options.verbose = args.has("--verbose");
  options.history_path = args.value("--history").value_or("");
  return repl::run(options);
}

}  // namespace sonde::cli
