// Per-interval views (`sonde run --interval`, the REPL's :watch rates): what each series
// added since the previous reading, computed from the cumulative values the maps hold,
// so the maps are read once per interval and /metrics stays cumulative.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/metrics/snapshot.h"

namespace sonde::metrics {

class IntervalTracker {
 public:
  // `unix_start` and `monotonic_start` (seconds): when the values started from zero.
  IntervalTracker(double unix_start, double monotonic_start);

  // Fills in `snapshot.interval` and each additive family's `increases` since the
  // previous call (the first: since the start), and keeps its values for the next.
  // A series that appeared since has its whole value as its increase; so does one whose
  // count went down (it expired or was cleared and started again). Gauges (min, max,
  // gauge) get none: they are shown as read.
  void advance(Snapshot& snapshot, double unix_now, double monotonic_now);

 private:
  struct Previous {
    double value = 0;
    uint64_t count = 0;
    double sum = 0;
    std::vector<uint64_t> buckets;
  };
  using Series = std::map<std::string, Previous, std::less<>>;  // by packed label values

  double unix_last_;
  double monotonic_last_;
  bool first_ = true;
  std::map<std::string, Series> families_;  // by family name
};

// Whether a family's values only add up events (count, sum, avg, histogram), so that an
// interval's share is a difference; gauge-family aggregations are not.
bool additive(const Family& family);

// Wall and monotonic clocks, in seconds.
double unix_seconds_now();
double monotonic_seconds_now();

}  // namespace sonde::metrics
