#include "runtime/spec/metric_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace sonde::spec {
namespace {

// runtime/session/self_metrics.cpp and process_metrics.cpp export these; a test
// scrapes a running sonde and checks that every family it did not compile is listed here.
constexpr std::string_view kReserved[] = {
    "sonde_build_info",
    "sonde_decode_errors_total",
    "sonde_events_lost_total",
    "sonde_map_capacity",
    "sonde_map_entries",
    "sonde_map_updates_dropped_total",
    "sonde_probe_attached",
    "sonde_program_misses_total",
    "sonde_program_run_seconds_total",
    "sonde_program_runs_total",
    "sonde_scrape_duration_seconds",
    "sonde_scrape_error",
    "sonde_series_expired_events_total",
    "sonde_series_expired_total",
    "sonde_span_starts_evicted_total",
    "process_cpu_seconds_total",
    "process_max_fds",
    "process_open_fds",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "process_virtual_memory_bytes",
};

}  // namespace

std::span<const std::string_view> reserved_metric_names() { return kReserved; }

bool is_reserved_metric_name(std::string_view name) {
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

std::string duplicate_metric(const std::vector<const Program*>& programs) {
  std::map<std::string_view, const Metric*> seen;
  for (const Program* p : programs) {
    for (const Metric& m : p->metrics) {
      auto [it, inserted] = seen.emplace(m.name, &m);
      if (!inserted) {
        return fmt::format("metric '{}' comes from both {} and {}", m.name, it->second->origin,
                           m.origin);
      }
    }
  }
  return {};
}

}  // namespace sonde::spec
