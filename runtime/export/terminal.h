// What `sonde run` prints at each interval and on exit: tables sorted by value and
// histograms drawn as bars, in the manner bpftrace users know.
#pragma once

#include <cstddef>
#include <string>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

struct TerminalOptions {
  size_t top = 20;        // rows (series) shown per family; 0 shows all
  size_t bar_width = 40;  // columns of '@' for the largest histogram bucket
};

// Appends every family: a heading (name and statement), a warning when updates were
// dropped, then a table sorted by value (counters, gauges) or one bar chart per
// series (histograms, buckets shown as the (previous, le] ranges they are).
void append_terminal_text(const metrics::Snapshot& snapshot, const TerminalOptions& options,
                          std::string& out);

}  // namespace sonde::exporter
