// sonde build: compile once, on a build host, into a bundle that `sonde-agent` runs on
// hosts without a compiler. One program per source file.
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compiler/driver/compiler.h"
#include "runtime/spec/bundle.h"
#include "tools/sonde/capacity_flag.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {

int build_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("build"));
  if (auto exit = parse_command("build", argv, args)) return *exit;
  auto output = args.value("--output");
  if (!output) {
    fmt::print(stderr, "sonde build: say where to write the bundle: -o FILE.bundle\n");
    return 2;
  }
  driver::Options options;
  options.sema.events = false;  // sonde-agent exports metrics; `print` is for exploring
  if (!parse_capacity_flag(args, "build", options)) return 2;
  if (!parse_window_flag(args, "build", options)) return 2;
  std::vector<Source> sources;
  if (!load_sources(args, "build", sources)) return 2;

  spec::Bundle bundle;
  bundle.producer = "sonde " SONDE_VERSION;
  utsname host{};
  if (uname(&host) == 0) bundle.build_kernel = host.release;
  driver::Compiler compiler(options);
  size_t probes = 0, metrics = 0;
  for (const auto& s : sources) {
    auto c = compiler.compile(s.name, s.text);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    if (!c.ok) return 1;
    probes += c.program.probes.size();
    metrics += c.program.metrics.size();
    bundle.programs.push_back(std::move(c.program));
  }
  if (auto st = spec::write_bundle(*output, bundle); !st) {
    fmt::print(stderr, "error: {}\n", st.error().message);
    return 1;
  }
  fmt::print(stderr, "wrote {}: {} program{}, {} probe{}, {} metric{}\n", *output,
             bundle.programs.size(), bundle.programs.size() == 1 ? "" : "s", probes,
             probes == 1 ? "" : "s", metrics, metrics == 1 ? "" : "s");
  return 0;
}

}  // namespace sonde::cli
