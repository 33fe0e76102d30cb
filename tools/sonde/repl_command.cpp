// sonde repl: the interactive loop lives in tools/sonde/repl/.
#include <fmt/format.h>

#include "tools/sonde/args.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/repl/repl.h"

namespace sonde::cli {

int repl_command(const std::vector<std::string>& argv) {
  Args args({"--listen", "--history"}, {"--verbose"}, {{"-v", "--verbose"}});
  if (!args.parse(argv)) {
    fmt::print(stderr, "sonde repl: {}\n", args.error());
    return 2;
  }
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
