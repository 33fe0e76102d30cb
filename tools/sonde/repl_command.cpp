// sonde repl: the interactive loop lives in tools/sonde/repl/.
#include <fmt/format.h>

#include "tools/cli/args.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/repl/repl.h"
#include "tools/sonde/repl/rows.h"

namespace sonde::cli {

using repl::parse_rows;

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
  if (auto t = args.value("--top")) {
    auto n = parse_rows(*t);
    if (!n) {
      fmt::print(stderr, "sonde repl: --top needs a positive number, not '{}'\n", *t);
      return 2;
    }
    options.top = *n;
  }
  return repl::run(options);
}

}  // namespace sonde::cli
