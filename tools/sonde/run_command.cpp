// sonde run: compile in memory, then load, attach and export through the same
// runtime as sonde-agent.
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>

#include "compiler/driver/compiler.h"
#include "runtime/session/runner.h"
#include "runtime/session/self_metrics.h"
#include "support/duration.h"
#include "tools/sonde/capacity_flag.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {
namespace {

bool parse_count(const std::string& text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out > 0;
}

void print_error(const Error& e) {
  fmt::print(stderr, "error: {}\n", e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
  Args args({"--expr", "--listen", "--interval", "--duration", "--format", "--top", "--capacity",
             "--window", "--web-config"},
            {"--quiet", "--verbose", "--no-cache"},
            {{"-e", "--expr"},
             {"-q", "--quiet"},
             {"-v", "--verbose"},
             {"-d", "--duration"},
             {"-i", "--interval"}});
  if (!args.parse(argv)) {
    fmt::print(stderr, "sonde run: {}\n", args.error());
    return 2;
  }
  session::RunOptions run;
  run.quiet = args.has("--quiet");
  run.listen = args.value("--listen");
  run.web_config = args.value("--web-config").value_or("");
  for (const char* flag : {"--interval", "--duration"}) {
    if (auto v = args.value(flag)) {
      auto d = parse_duration(*v);
      if (!d || d->count() <= 0) {
        fmt::print(stderr, "sonde run: {}: {}\n", flag, d ? "must be positive" : d.error().message);
        return 2;
      }
      (std::string(flag) == "--interval" ? run.interval : run.duration) = *d;
    }
  }
  if (auto f = args.value("--format")) {
    if (*f == "text")
      run.format = session::Format::kText;
    else if (*f == "json")
      run.format = session::Format::kJson;
    else {
      fmt::print(stderr, "sonde run: --format must be text or json, not '{}'\n", *f);
      return 2;
    }
  }
  if (auto t = args.value("--top")) {
    uint64_t n = 0;
    if (!parse_count(*t, n)) {
      fmt::print(stderr, "sonde run: --top needs a positive number\n");
      return 2;
    }
    run.top = n;
  }
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

  session::Options session_options;
  session_options.verbose = args.has("--verbose");
  std::vector<std::unique_ptr<session::Session>> sessions;
  for (auto& p : programs) {
    auto s = session::Session::start(std::move(p), session_options);
    if (!s) {
      print_error(s.error());
      return 1;
    }
    sessions.push_back(std::move(s.value()));
  }
  // Self-metrics go to /metrics only; the kernel counts program runs while serving.
  session::SelfMetrics self(sessions, session::this_build(SONDE_LLVM_VERSION));
  if (run.listen) {
    if (auto st = self.enable_program_stats(); !st && session_options.verbose)
      print_error(st.error());
  }
  return session::run(sessions, run, self.hook());
}

}  // namespace sonde::cli
