// sonde: one-line eBPF probes as Prometheus metrics.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tools/sonde/commands.h"

namespace {

constexpr const char* kUsage = R"(usage: sonde COMMAND [ARGS]

  run -e 'PROGRAM' | FILE...   compile, attach and report
        [--listen HOST:PORT] [--interval 5s] [--duration 30s] [--format text|json]
        [--top N] [--capacity N] [--window 60s] [--quiet] [--verbose] [--no-cache]
  build FILE... -o OUT.bundle  compile ahead of time for sonde-agent [--capacity N]
                               [--window 60s]
  check -e 'PROGRAM' | FILE... parse and type-check against this kernel
  emit-c -e 'PROGRAM' | FILE   print the generated BPF C
  list [PATTERN] [-v]          probes of this machine, stdlib spans and events;
                               -v: their fields and types
  repl [--listen HOST:PORT]    type probes, see values live, save what is useful

example:
  sonde run -e 'on tracepoint:timer:timer_start count by ksym(func)' --interval 1s
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    fmt::print(args.empty() ? stderr : stdout, "{}", kUsage);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    fmt::print("sonde 0.1.0\n");
    return 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "run") return sonde::cli::run_command(args);
  if (command == "check") return sonde::cli::check_command(args);
  if (command == "emit-c") return sonde::cli::emit_c_command(args);
  if (command == "list") return sonde::cli::list_command(args);
  if (command == "build") return sonde::cli::build_command(args);
  if (command == "repl") return sonde::cli::repl_command(args);
  fmt::print(stderr, "sonde: unknown command '{}'\n\n{}", command, kUsage);
  return 2;
}
