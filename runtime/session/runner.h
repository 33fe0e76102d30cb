// Runs attached sessions until told to stop: serves /metrics, prints at an interval
// and on exit, ends on --duration, SIGINT or SIGTERM. Shared by `sonde run` and
// `sonde-agent`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/metrics/snapshot.h"
#include "runtime/session/session.h"

namespace sonde::session {

enum class Format { kText, kJson, kNone };

struct RunOptions {
  std::optional<std::string> listen;
  // Print every `interval`: what each interval added beside the totals (text), or both
  // (JSON lines); only the totals with `cumulative`.
  std::optional<std::chrono::nanoseconds> interval;
  bool cumulative = false;
  std::optional<std::chrono::nanoseconds> duration;
  Format format = Format::kText;
  bool quiet = false;         // no "attached N probes"
  size_t top = 20;            // terminal rows per metric
  std::string ready_message;  // printed on stderr once serving (default: attached N probes)
  std::string web_config;     // --web-config FILE: TLS and basic auth for /metrics ("": none)
};

// What a /metrics scrape has cost when the hook is called.
struct ScrapeInfo {
  std::chrono::nanoseconds reading{0};  // reading and decoding every session's maps
};

// Extra families appended to every /metrics scrape (self-metrics); the snapshot holds
// the sessions' families of this scrape. Not shown in the terminal or JSON lines.
using SnapshotHook = std::function<void(metrics::Snapshot&, const ScrapeInfo&)>;

// Blocks SIGINT/SIGTERM/SIGHUP in the calling thread (and the threads it will create),
// so that run() can wait for them. Call before starting any thread.
void block_stop_signals();

// Returns the process exit code.
int run(std::vector<std::unique_ptr<Session>>& sessions, const RunOptions& options,
        SnapshotHook hook = nullptr);

}  // namespace sonde::session
