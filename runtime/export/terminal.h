// What `sonde run` prints at each interval and on exit: tables sorted by value and
// histograms drawn as bars, in the manner bpftrace users know.
#pragma once

#include <cstddef>
#include <string>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// What the values of additive families (count, sum, avg, histogram) show; gauges (min,
// max, gauge) are always shown as read.
enum class View {
  kCumulative,  // since the start
  kInterval,    // each series' increase over snapshot.interval (tables and bars) beside
                // its total; series that did not change are left out
  kRate,        // the total beside its increase per second over snapshot.interval
};

struct TerminalOptions {
  size_t top = 20;                // rows (series) shown per family; 0 shows all
  size_t bar_width = 40;          // columns of '@' for the largest histogram bucket
  View view = View::kCumulative;  // kInterval and kRate need the snapshot's increases
};

// Appends every family: a heading (name and statement), a warning when updates were
// dropped, then a table sorted by value (counters, gauges) or one bar chart per
// series (histograms, buckets shown as the (previous, le] ranges they are).
void append_terminal_text(const metrics::Snapshot& snapshot, const TerminalOptions& options,
                          std::string& out);

}  // namespace sonde::exporter
