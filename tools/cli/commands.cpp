#include "tools/cli/commands.h"

namespace sonde::cli {
namespace {

// Flags several commands share, spelled once.
constexpr Flag kHelp{"--help", "-h", "", "print this help and exit"};
constexpr Flag kExpr{"--expr", "-e", "PROGRAM",
                     "the program's text, instead of files (each -e adds to it)"};
constexpr Flag kListen{"--listen", "-l", "HOST:PORT",
                       "serve Prometheus metrics on /metrics (a bare port binds 127.0.0.1)"};
constexpr Flag kWebConfig{"--web-config", "", "FILE",
                          "TLS and basic auth for /metrics, as exporter-toolkit's "
                          "--web.config.file (README: TLS and basic auth)",
                          "file"};
constexpr Flag kInterval{"--interval", "-i", "DURATION",
                         "print what each DURATION (at least 100ms) added (counts, sums, "
                         "averages and histograms of that interval, beside their totals; "
                         "min, max and gauge as read), and on exit the last, partial interval",
                         "duration"};
constexpr Flag kCumulative{"--cumulative", "", "",
                           "with --interval: print the totals since the start only, as "
                           "without it"};
constexpr Flag kDuration{"--duration", "-d", "DURATION",
                         "stop after DURATION (default: until SIGINT or SIGTERM)", "duration"};
constexpr Flag kFormat{"--format", "", "text|json",
                       "terminal tables (text) or one JSON object per metric per print (json)",
                       "format"};
constexpr Flag kTop{"--top", "", "N", "show the N largest series of each metric (default 20)"};
constexpr Flag kCapacity{"--capacity", "", "N",
                         "keys per map for statements without a `capacity` clause (default 10240)"};
constexpr Flag kWindow{"--window", "", "DURATION",
                       "the window of min and max: they cover the last DURATION to twice that "
                       "(default 60s)",
                       "duration"};
constexpr Flag kSeriesTtl{"--series-ttl", "", "DURATION",
                          "remove a series not updated for DURATION, for every keyed metric whose "
                          "statement has no `ttl` (default: 10m for pid, tid and comm keys, never "
                          "for others; 0: never; docs/churn.md)",
                          "duration"};
constexpr Flag kQuiet{"--quiet", "-q", "", "no \"attached\" line"};
constexpr Flag kVerbose{"--verbose", "-v", "", "failed loads show the verifier's whole log"};

}  // namespace

const Command* Program::command(std::string_view wanted) const {
  for (const auto& c : commands) {
    if (c.name == wanted) return &c;
  }
  return nullptr;
}

const Program& sonde_program() {
  static const Program program{
      .name = "sonde",
      .summary = "one-line eBPF probes as Prometheus metrics",
      .description =
          "sonde turns a line such as `on tracepoint:timer:timer_start count by ksym(func)` into "
          "a kernel metric: it checks the program against the running kernel's types, compiles "
          "it to BPF in memory, loads and attaches it, and exports the maps as Prometheus "
          "metrics, terminal tables or JSON lines. Nothing is left in the kernel when it exits.",
      .commands =
          {
              {.name = "run",
               .operands = "-e 'PROGRAM' | FILE...",
               .summary = "compile, attach and report",
               .description = "Compiles the program in memory, loads and attaches it, prints "
                              "`attached N probes` on stderr, and reports until --duration, "
                              "SIGINT or SIGTERM.",
               .flags = {kExpr,
                         kListen,
                         kWebConfig,
                         kInterval,
                         kCumulative,
                         kDuration,
                         kFormat,
                         kTop,
                         kCapacity,
                         kWindow,
                         kSeriesTtl,
                         kQuiet,
                         kVerbose,
                         {"--no-cache", "", "",
                          "compile again instead of reusing the compile cache"},
                         kHelp},
               .completes = "file"},
              {.name = "build",
               .operands = "FILE... -o OUT.bundle",
               .summary = "compile ahead of time for sonde-agent",
               .description = "Compiles each file (one program per file) into a bundle that "
                              "sonde-agent runs on machines without a compiler.",
               .flags = {kExpr,
                         {"--output", "-o", "OUT.bundle", "where to write the bundle", "file"},
                         {"--sign", "", "KEY.pem",
                          "sign the bundle with this Ed25519 private key (`openssl genpkey "
                          "-algorithm ed25519`), for sonde-agent --trust",
                          "file"},
                         kCapacity,
                         kWindow,
                         kSeriesTtl,
                         kHelp},
               .completes = "file"},
              {.name = "check",
               .operands = "-e 'PROGRAM' | FILE...",
               .summary = "parse and type-check against this kernel",
               .description = "Exits 0 when the program is valid (and then it loads), 1 with "
                              "located diagnostics otherwise.",
               .flags = {kExpr,
                         {"--no-stdlib", "", "",
                          "check without the standard library (to check stdlib files)"},
                         kHelp},
               .completes = "file"},
              {.name = "rules",
               .operands = "-e 'PROGRAM' | FILE...",
               .summary = "print Prometheus rules for the program's SLOs",
               .description =
                   "Prints rule groups for Prometheus: the error ratio of each `slo` over 5m, "
                   "30m, 1h, 6h and 3d, multiwindow multi-burn-rate alerts (page at 14.4x over "
                   "1h and 5m and at 6x over 6h and 30m, ticket at 1x over 3d and 6h), and the "
                   "alerts on sonde's own metrics. docs/slo.md explains them.",
               .flags = {kExpr,
                         {"--time-scale", "", "FACTOR",
                          "multiply every window and `for` by FACTOR (1/60 makes 1h a minute): "
                          "for tests of the alerts, not for production"},
                         kHelp},
               .completes = "file"},
              {.name = "dashboard",
               .operands = "-e 'PROGRAM' | FILE...",
               .summary = "print a Grafana dashboard for the program",
               .description =
                   "Prints Grafana dashboard JSON: a heatmap and p50/p90/p99 for each histogram, "
                   "rates of counters by their labels, error budget and burn rate of each `slo`, "
                   "and a row of sonde's own metrics. Import it in Grafana and pick the "
                   "Prometheus data source.",
               .flags = {kExpr, {"--title", "", "TITLE", "the dashboard's title"}, kHelp},
               .completes = "file"},
              {.name = "emit-c",
               .operands = "-e 'PROGRAM' | FILE",
               .summary = "print the generated BPF C",
               .description = "",
               .flags = {kExpr, kHelp},
               .completes = "file"},
              {.name = "list",
               .operands = "[PATTERN]",
               .summary = "probes of this machine, stdlib spans and events",
               .description = "PATTERN matches probe names anywhere (`tcp`, "
                              "`tracepoint:sched:*`). A statement on a wildcard splits by "
                              "`probe` (the full name listed) or `func` (its function or "
                              "event).",
               .flags = {{"--verbose", "-v", "", "show each probe's fields and their types"},
                         kHelp},
               .completes = "probe"},
              {.name = "repl",
               .operands = "",
               .summary = "type probes, see values live, save what is useful",
               .description = "The REPL is described in docs/repl.md.",
               .flags = {kListen,
                         kTop,
                         {"--history", "", "FILE", "where to keep the line history", "file"},
                         {"--verbose", "-v", "", "failed loads show the verifier's whole log"},
                         kHelp}},
          },
      .examples =
          "sonde run -e 'on tracepoint:timer:timer_start count by ksym(func)' "
          "--interval 1s\n"
          "sonde run -e 'histogram log2 latency of block rq by disk, op' --listen 9435\n"
          "sonde build examples/node.sonde -o node.bundle",
  };
  return program;
}

const Program& agent_program() {
  static const Program program{
      .name = "sonde-agent",
      .summary = "run sonde bundles and serve their metrics",
      .description =
          "Loads bundles built by `sonde build`, attaches their probes and serves "
          "/metrics. It links no compiler.",
      .commands = {{.name = "",
                    .operands = "BUNDLE...",
                    .summary = "run bundles",
                    .description = "",
                    .flags = {{"--listen", "-l", "HOST:PORT",
                               "where to serve /metrics (default 127.0.0.1:9435)"},
                              kWebConfig,
                              kSeriesTtl,
                              {"--strict", "", "", "refuse to start unless every probe attaches"},
                              {"--check", "", "",
                               "read and validate the bundles, print what they hold, and exit"},
                              {"--trust", "", "PUBKEY.pem",
                               "run only bundles signed by this Ed25519 public key (`openssl "
                               "pkey -pubout`); repeat it to trust several keys",
                               "file"},
                              {"--print-rules", "", "",
                               "print Prometheus rules for the bundles' SLOs and sonde's own "
                               "alerts (as `sonde rules`), and exit"},
                              {"--print-dashboard", "", "",
                               "print a Grafana dashboard for the bundles (as `sonde dashboard`), "
                               "and exit"},
                              kFormat,
                              kInterval,
                              kCumulative,
                              kDuration,
                              kTop,
                              {"--no-program-stats", "", "",
                               "leave kernel.bpf_stats_enabled alone (run counts stay 0)"},
                              {"--drop-capabilities", "", "",
                               "once attached, give up every capability reading the maps and "
                               "decoding labels does not need (it says which it keeps)"},
                              kVerbose,
                              kQuiet,
                              kHelp},
                    .completes = "bundle"}},
      .examples =
          "sonde build examples/node.sonde -o node.bundle   # on a build host\n"
          "sonde-agent node.bundle --listen 0.0.0.0:9435     # on every node",
  };
  return program;
}

}  // namespace sonde::cli
