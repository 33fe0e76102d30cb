// sonde check, sonde emit-c: the compiler without the kernel's runtime.
#include <fmt/format.h>
#include <unistd.h>

#include "compiler/driver/compiler.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {

int check_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("check"));
  if (auto exit = parse_command("check", argv, args)) return *exit;
  std::vector<Source> sources;
  if (!load_sources(args, "check", sources)) return 2;
  driver::Options options;
  options.use_stdlib = !args.has("--no-stdlib");  // to check stdlib files themselves
  driver::Compiler compiler(options);
  bool ok = true;
  for (const auto& s : sources) {
    bool this_ok = compiler.check(s.name, s.text);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    ok = ok && this_ok;
  }
  return ok ? 0 : 1;
}

int emit_c_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("emit-c"));
  if (auto exit = parse_command("emit-c", argv, args)) return *exit;
  std::vector<Source> sources;
  if (!load_sources(args, "emit-c", sources)) return 2;
  driver::Compiler compiler;
  for (const auto& s : sources) {
    std::string c;
    bool ok = compiler.emit_c(s.name, s.text, c);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    if (!ok) return 1;
    fmt::print("{}", c);
  }
  return 0;
}

}  // namespace sonde::cli
