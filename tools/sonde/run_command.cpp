// sonde run: compile in memory, then load, attach and export through the same
// runtime as sonde-agent.
#include <fmt/format.h>
#include <unistd.h>

#include "compiler/driver/compiler.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/session/runner.h"
#include "runtime/session/self_metrics.h"
#include "runtime/spec/metric_names.h"
#include "tools/cli/run_flags.h"
#include "tools/sonde/capacity_flag.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {
namespace {

void print_error(const Error& e) {
  fmt::print(stderr, "error: {}\n", e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("run"));
  if (auto exit = parse_command("run", argv, args)) return *exit;
  session::RunOptions run;
  if (auto st = parse_run_flags(args, run); !st) return usage_error("run", st.error().message);
  driver::Options options;
  options.cache.enabled = !args.has("--no-cache");
  if (!parse_capacity_flag(args, "run", options)) return 2;
  if (!parse_window_flag(args, "run", options)) return 2;
  std::vector<Source> sources;
  if (!load_sources(args, "run", sources)) return 2;

  driver::Compiler compiler(options);
  std::vector<spec::Program> programs;
  for (const auto& s : sources) {
    auto c = compiler.compile(s.name, s.text);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    if (!c.ok) return 1;
    programs.push_back(std::move(c.program));
  }
  std::vector<const spec::Program*> all;
  all.reserve(programs.size());
  for (const auto& p : programs) all.push_back(&p);
  if (std::string dup = spec::duplicate_metric(all); !dup.empty()) {
    fmt::print(stderr, "error: {}\nhint: /metrics shows a name once; rename one with 'as NAME'\n",
               dup);
    return 1;
  }
  if (auto flag = args.value("--series-ttl")) {
    auto ttl = session::parse_series_ttl(*flag);
    if (!ttl) return usage_error("run", ttl.error().message);
    for (auto& p : programs) session::set_series_ttl(p, *ttl);
  }

  session::Options session_options;
  session_options.verbose = args.has("--verbose");
  // Mapped once for every program's CO-RE relocations (runtime/session/relocation.h).
  if (auto kernel_btf = btf::KernelBtf::open())
    session_options.kernel_btf = std::move(kernel_btf.value());
  std::vector<std::unique_ptr<session::Session>> sessions;
  for (auto& p : programs) {
    auto s = session::Session::start(std::move(p), session_options);
    if (!s) {
      print_error(s.error());
      return 1;
    }
    if (session_options.verbose && !(*s)->whole_btf_reason().empty())
      fmt::print(stderr, "note: libbpf relocates against the whole kernel BTF: {}\n",
                 (*s)->whole_btf_reason());
    sessions.push_back(std::move(s.value()));
  }
  session_options.kernel_btf.reset();
  // Self-metrics go to /metrics only; the kernel counts program runs while serving.
  session::SelfMetrics self(sessions, session::this_build(SONDE_LLVM_VERSION));
  if (run.listen) {
    if (auto st = self.enable_program_stats(); !st && session_options.verbose)
      print_error(st.error());
  }
  return session::run(sessions, run, self.hook());
}

}  // namespace sonde::cli
