// sonde-agent: runs bundles built by `sonde build` and serves their metrics. The
// runtime alone: it links no LLVM, Clang or ANTLR.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "runtime/bpf/privileges.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/session/runner.h"
#include "runtime/session/self_metrics.h"
#include "support/duration.h"
#include "tools/sonde-agent/agent.h"
#include "tools/sonde-agent/privileges.h"
#include "tools/sonde/args.h"

namespace {

constexpr const char* kUsage = R"(usage: sonde-agent BUNDLE... [OPTIONS]

Loads bundles built by `sonde build`, attaches their probes and serves /metrics.

  --listen HOST:PORT    where to serve /metrics (default 127.0.0.1:9435)
  --web-config FILE     TLS and basic auth for /metrics, as exporter-toolkit's
                        --web.config.file (deploy/web-config.yml)
  --strict              refuse to start unless every probe attaches
  --check               read the bundles, print what they hold, and exit
  --format text|json    also print the metrics at --interval and on exit
  --interval 10s        how often to print (with --format)
  --duration 1h         stop after this long (default: until SIGINT or SIGTERM)
  --no-program-stats    leave kernel.bpf_stats_enabled alone (run counts stay 0)
  --drop-capabilities   once attached, give up every capability reading the maps and
                        decoding labels does not need (it says which it keeps)
  --verbose             failed loads show the verifier's whole log
  --quiet               no "attached" line

example:
  sonde build examples/node.sonde -o node.bundle      # on a build host
  sonde-agent node.bundle --listen 0.0.0.0:9435        # on every node
)";

constexpr const char* kVersion = "sonde-agent " SONDE_VERSION;

int usage_error(const std::string& message) {
  fmt::print(stderr, "sonde-agent: {}\n\n{}", message, kUsage);
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
  if (!argv_list.empty() && (argv_list[0] == "-h" || argv_list[0] == "--help")) {
    fmt::print("{}", kUsage);
    return 0;
  }
  if (!argv_list.empty() && argv_list[0] == "--version") {
    fmt::print("{}\n", kVersion);
    return 0;
  }
  cli::Args args(
      {"--listen", "--format", "--interval", "--duration", "--web-config"},
      {"--strict", "--check", "--no-program-stats", "--drop-capabilities", "--verbose", "--quiet"},
      {{"-l", "--listen"},
       {"-d", "--duration"},
       {"-i", "--interval"},
       {"-v", "--verbose"},
       {"-q", "--quiet"}});
  if (!args.parse(argv_list)) return usage_error(args.error());
  if (args.positionals().empty()) return usage_error("no bundle given");

  session::RunOptions run;
  run.listen = args.value("--listen").value_or("127.0.0.1:9435");
  run.quiet = args.has("--quiet");
  run.web_config = args.value("--web-config").value_or("");
  run.format = session::Format::kNone;
  if (auto f = args.value("--format")) {
    if (*f == "text")
      run.format = session::Format::kText;
    else if (*f == "json")
      run.format = session::Format::kJson;
    else
      return usage_error(fmt::format("--format must be text or json, not '{}'", *f));
  }
  for (const char* flag : {"--interval", "--duration"}) {
    if (auto v = args.value(flag)) {
      auto d = parse_duration(*v);
      if (!d || d->count() <= 0)
        return usage_error(fmt::format("{}: {}", flag, d ? "must be positive" : d.error().message));
      (std::string(flag) == "--interval" ? run.interval : run.duration) = *d;
    }
  }

  std::vector<agent::LoadedBundle> bundles;
  if (!agent::read_bundles(args.positionals(), bundles)) return 1;
  if (args.has("--check")) {
    fmt::print("{}", agent::describe(bundles));
    return 0;
  }

  // Before any thread exists (the HTTP server's), so that only the run loop takes them.
  session::block_stop_signals();
  if (auto st = bpf::check_privileges(); !st) {
    agent::print_error(st.error());
    return 1;
  }
  session::Options options{.strict = args.has("--strict"), .verbose = args.has("--verbose")};
  agent::add_relocation_btf(bundles, options.verbose);
  // Before start(), which hands each program over to its session.
  const auto keep = agent::capabilities_to_keep(bundles, *run.listen);
  agent::Started started;
  if (!agent::start(bundles, options, started)) return 1;
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
