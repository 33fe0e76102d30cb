// What Prometheus needs to watch a program's SLOs, made from its spec: recording rules
// of each SLO's error ratio, multiwindow multi-burn-rate alerts (the SRE workbook's
// page and ticket pairs), sonde's operational alerts (`sonde rules`), and a Grafana
// dashboard of every metric and SLO (`sonde dashboard`). docs/slo.md says what each is.
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::exporter {

struct RulesOptions {
  // Every window and `for` is multiplied by this: 1 in production; a test makes 1h a
  // minute with 1/60 so that an alert fires while it watches (`--time-scale`).
  double time_scale = 1;
};

// The windows error ratios are recorded over, and the burn-rate alerts built on them.
struct BurnAlert {
  const char* severity;  // "page" or "ticket"
  double factor;         // how many times faster than the objective allows
  const char* long_window;
  const char* short_window;
};
const std::vector<const char*>& slo_windows();  // "5m", "30m", "1h", "6h", "3d"
const std::vector<BurnAlert>& burn_alerts();

// A Prometheus duration scaled (`1h` by 1/60 is `1m`), in whole milliseconds at least 1.
std::string scaled_duration(uint64_t seconds, double scale);

// The PromQL selectors of an SLO's good and of all its events.
std::string good_selector(const spec::Slo& slo);
std::string total_selector(const spec::Slo& slo);

// Prometheus rule groups (YAML) for `programs`: one group per SLO, then sonde's own.
std::string prometheus_rules(const std::vector<const spec::Program*>& programs,
                             const RulesOptions& options);

// A Grafana dashboard (JSON) for `programs`.
std::string grafana_dashboard(const std::vector<const spec::Program*>& programs,
                              const std::string& title);

}  // namespace sonde::exporter
