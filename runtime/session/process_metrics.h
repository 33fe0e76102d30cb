// The process metrics every Prometheus exporter has, under their standard names (as
// client_golang's process collector reads them from /proc), and sonde_build_info.
#pragma once

#include <optional>
#include <string>

#include "runtime/metrics/snapshot.h"

namespace sonde::session {

struct BuildInfo {
  std::string version;              // "0.1.0"
  std::string revision;             // the source's git commit, "unknown" outside git
  std::optional<std::string> llvm;  // where LLVM is linked (sonde, not sonde-agent)
};

// The build of this binary (version and revision compiled in; libbpf asked at run time).
BuildInfo this_build(std::optional<std::string> llvm = std::nullopt);

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds: read from /proc/self at each call. A value that cannot be
// read is left out rather than shown as 0.
void append_process_metrics(metrics::Snapshot& out);

// sonde_build_info{version, revision, libbpf[, llvm]} 1.
void append_build_info(const BuildInfo& build, metrics::Snapshot& out);

}  // namespace sonde::session
