// sonde's metrics about itself, appended to every /metrics scrape of `sonde run` and
// `sonde-agent` (the names are documented in the README):
//   sonde_program_runs_total, sonde_program_run_seconds_total,
//   sonde_program_misses_total                                   {program, probe, statement}
//   sonde_probe_attached                                         {probe, statement}
//   sonde_map_entries, sonde_map_capacity                        {metric, map}
//   sonde_map_updates_dropped_total                              {metric}
//   sonde_series_expired_total, sonde_series_expired_events_total {metric}
//   sonde_span_starts_evicted_total                              {span, metric}
//   sonde_decode_errors_total, sonde_scrape_duration_seconds
//   sonde_build_info{version, revision, libbpf[, llvm]}
//   process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
//   process_open_fds, process_max_fds, process_start_time_seconds (process_metrics.h)
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "runtime/bpf/stats.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/session/process_metrics.h"
#include "runtime/session/runner.h"
#include "runtime/session/session.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

class SelfMetrics {
 public:
  // `sessions` must outlive this object. `not_started`: probes of programs that could
  // not be loaded at all (non-strict agent), reported as not attached.
  SelfMetrics(const std::vector<std::unique_ptr<Session>>& sessions, BuildInfo build,
              std::vector<spec::Probe> not_started = {});

  // Turns on the kernel's run-time statistics of BPF programs (kernel.bpf_stats_enabled)
  // while this object lives. The kernel ties the setting to a file descriptor, so the
  // previous setting comes back when the process ends, however it ends. Without it run
  // counts and times stay at zero.
  Status enable_program_stats();

  // Appends the sonde_* families. `snapshot` holds the sessions' families of this scrape
  // (map fill and drops are read from them rather than from the maps again).
  void append(metrics::Snapshot& snapshot, const ScrapeInfo& scrape);
  SnapshotHook hook() {
    return [this](metrics::Snapshot& s, const ScrapeInfo& i) { append(s, i); };
  }

 private:
  void append_programs(metrics::Snapshot& out);
  void append_maps(const metrics::Snapshot& in, metrics::Snapshot& out);

  const std::vector<std::unique_ptr<Session>>& sessions_;
  BuildInfo build_;
  std::vector<spec::Probe> not_started_;
  std::optional<bpf::StatsEnabler> stats_;
};

}  // namespace sonde::session
