// sonde-agent: runs bundles built by `sonde build` and serves their metrics. The
// runtime alone: it links no LLVM, Clang or ANTLR.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "runtime/bpf/privileges.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/export/slo_rules.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/session/runner.h"
#include "runtime/session/self_metrics.h"
#include "runtime/session/session.h"
#include "runtime/spec/metric_names.h"
#include "tools/cli/help.h"
#include "tools/cli/run_flags.h"
#include "tools/sonde-agent/agent.h"
#include "tools/sonde-agent/privileges.h"

namespace {

constexpr const char* kVersion = "sonde-agent " SONDE_VERSION;

int usage_error(const std::string& message) {
  fmt::print(stderr, "sonde-agent: {}\n(--help lists the options)\n", message);
  return 2;
}

// sonde_bundle_info: which bundle runs where, across a fleet.
sonde::metrics::Family bundle_info(const std::vector<sonde::agent::LoadedBundle>& bundles) {
  sonde::metrics::Family f;
  f.name = "sonde_bundle_info";
  f.help = "A bundle this agent runs (value 1), with its checksum and the sonde that built it";
  f.type = sonde::metrics::FamilyType::kGauge;
  f.label_names = {"bundle", "checksum", "producer"};
  for (const auto& b : bundles) {
    sonde::metrics::Series s;
    s.label_values = {b.path, fmt::format("{:08x}", b.bundle.checksum), b.bundle.producer};
    s.value = 1;
    f.series.push_back(std::move(s));
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sonde;
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  if (!argv_list.empty() && argv_list[0] == "--version") {
    fmt::print("{}\n", kVersion);
    return 0;
  }
  const cli::Program& program = cli::agent_program();
  cli::Args args(program.commands.front());
  if (!args.parse(argv_list)) return usage_error(args.error());
  if (args.has("--help")) {
    fmt::print("{}", cli::program_help(program));
    return 0;
  }
  if (args.positionals().empty()) return usage_error("no bundle given");

  session::RunOptions run;
  run.listen = "127.0.0.1:9435";
  run.format = session::Format::kNone;
  if (auto st = cli::parse_run_flags(args, run); !st) return usage_error(st.error().message);

  std::vector<spec::SigningKey> trusted;
  for (const auto& path : args.values("--trust")) {
    auto key = spec::SigningKey::read_public(path);
    if (!key) {
      agent::print_error(key.error());
      return 1;
    }
    trusted.push_back(std::move(key.value()));
  }
  std::vector<agent::LoadedBundle> bundles;
  if (!agent::read_bundles(args.positionals(), trusted, bundles)) return 1;
  {
    std::vector<const spec::Program*> all;
    for (const auto& b : bundles)
      for (const auto& p : b.bundle.programs) all.push_back(&p);
    if (std::string dup = spec::duplicate_metric(all); !dup.empty()) {
      fmt::print(stderr,
                 "error: {} (in the bundles given)\nhint: /metrics shows a name once; rename "
                 "one with 'as NAME' and rebuild\n",
                 dup);
      return 1;
    }
  }
  if (auto flag = args.value("--series-ttl")) {
    auto ttl = session::parse_series_ttl(*flag);
    if (!ttl) return usage_error(ttl.error().message);
    for (auto& b : bundles) {
      for (auto& p : b.bundle.programs) session::set_series_ttl(p, *ttl);
    }
  }
  if (args.has("--check")) {
    fmt::print("{}", agent::describe(bundles));
    return 0;
  }
  // What a fleet's Prometheus and Grafana need for what it runs (docs/slo.md).
  if (args.has("--print-rules") || args.has("--print-dashboard")) {
    std::vector<const spec::Program*> programs;
    std::string title = "sonde-agent:";
    for (const auto& b : bundles) {
      for (const auto& p : b.bundle.programs) programs.push_back(&p);
      title += " " + b.path;
    }
    fmt::print("{}", args.has("--print-rules") ? exporter::prometheus_rules(programs, {})
                                               : exporter::grafana_dashboard(programs, title));
    return 0;
  }

  // Before any thread exists (the HTTP server's), so that only the run loop takes them.
  session::block_stop_signals();
  if (auto st = bpf::check_privileges(); !st) {
    agent::print_error(st.error());
    return 1;
  }
  session::Options options{.strict = args.has("--strict"), .verbose = args.has("--verbose")};
  // Mapped once for every bundle's program; released once they are loaded.
  if (auto kernel_btf = btf::KernelBtf::open()) options.kernel_btf = std::move(kernel_btf.value());
  // Before start(), which hands each program over to its session.
  const auto keep = agent::capabilities_to_keep(bundles, *run.listen);
  agent::Started started;
  if (!agent::start(bundles, options, started)) return 1;
  options.kernel_btf.reset();
  if (started.attached < started.probes) {
    run.ready_message = fmt::format("attached {} of {} probes", started.attached, started.probes);
  }

  session::SelfMetrics self(started.sessions, session::this_build(), started.not_started);
  if (!args.has("--no-program-stats")) {
    if (auto st = self.enable_program_stats(); !st) agent::print_error(st.error(), "warning");
  }
  if (args.has("--drop-capabilities")) {
    auto dropped = agent::drop_capabilities(keep);
    if (!dropped) {
      agent::print_error(dropped.error());
      return 1;
    }
    fmt::print(stderr, "{}\n", *dropped);
  }
  auto info = bundle_info(bundles);
  return session::run(started.sessions, run,
                      [&](metrics::Snapshot& s, const session::ScrapeInfo& scrape) {
                        self.append(s, scrape);
                        s.families.push_back(info);
                      });
}
