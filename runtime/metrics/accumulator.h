// One label set's values, summed over CPUs and over map keys that decode alike, and
// turned into a Series. Kept per label set from one scrape to the next: reset() zeroes
// it, so a scrape allocates nothing for series it has seen before.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/metrics/snapshot.h"
#include "runtime/spec/program.h"

namespace sonde::metrics {

// min/max: the window the kernel is writing now (monotonic ns / Metric::window_ns).
// Values of this window and of the one before count; older ones are gone.
uint64_t current_epoch(const spec::Metric& m);

class Accumulator {
 public:
  void reset();
  // Adds one CPU's value of one map key (the value layouts of sonde/values.h).
  // `epoch`: current_epoch(m), for min and max.
  void add(const spec::Metric& m, std::span<const uint8_t> value, uint64_t epoch = 0);
  // False when there is nothing to show (min, max and gauge with no event; min and max
  // with none in their windows). A histogram shows every bound of `m`; an average with
  // no event yet is NaN, with a count of 0.
  bool to_series(const spec::Metric& m, Series& out) const;

  // A number that changes whenever a key behind these values was updated: the count
  // of events (count, avg, histogram), the sum (sum), the latest update's window or time
  // (min, max, gauge). Series expiry compares it from scrape to scrape.
  uint64_t activity(const spec::Metric& m) const;
  // Events these values hold (count, avg, histogram: the observations); 0 for the others.
  uint64_t events(const spec::Metric& m) const;

 private:
  // Kept per label set from one scrape to the next (100k of them for 100k series):
  // fields no aggregation uses together share their place.
  int64_t sum_ = 0;     // sum, avg, histogram: the sum; min, max, gauge: the value
  uint64_t count_ = 0;  // count, avg, histogram: events; gauge: the latest update's time;
                        // min, max: the latest window any slot was written in
  std::unique_ptr<uint64_t[]> buckets_;  // histogram: one per bound, then the one above
  uint32_t slots_ = 0;                   // of buckets_
  bool seen_ = false;                    // min, max, gauge: a value to show
};

}  // namespace sonde::metrics
