// sonde list [PATTERN] [-v]: the probes this machine offers, and stdlib spans and events.
#include <fmt/format.h>

#include "compiler/driver/compiler.h"
#include "compiler/sema/probe_catalog.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"

namespace sonde::cli {

int list_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("list"));
  if (auto exit = parse_command("list", argv, args)) return *exit;
  if (args.positionals().size() > 1) return usage_error("list", "give at most one pattern");
  std::string pattern = args.positionals().empty() ? "" : args.positionals()[0];
  bool verbose = args.has("--verbose");
  driver::Compiler compiler;
  compiler.load_stdlib();
  auto entries = sema::list_probes(pattern, verbose, compiler.kernel(), compiler.definitions(),
                                   compiler.sources());
  if (!entries) {
    fmt::print(stderr, "sonde list: {}\n", entries.error().message);
    if (!entries.error().hint.empty()) fmt::print(stderr, "hint: {}\n", entries.error().hint);
    return 1;
  }
  if (entries->empty()) {
    fmt::print(stderr, "sonde list: nothing matches '{}'\n", pattern);
    return 1;
  }
  std::string out;
  for (const auto& e : *entries) {
    out += e.name;
    if (!e.summary.empty()) out += (verbose ? "\n    " : "  ") + e.summary;
    out += '\n';
    for (const auto& line : e.lines) out += fmt::format("    {}\n", line);
    for (const auto& f : e.fields) {
      std::string text = fmt::format("    {:<24} {}", f.name, f.type);
      if (!f.note.empty()) text += fmt::format("{}({})", f.type.empty() ? "" : "  ", f.note);
      out += text + '\n';
    }
  }
  fmt::print("{}", out);
  return 0;
}

}  // namespace sonde::cli
