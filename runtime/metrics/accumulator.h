// One label set's values, summed over CPUs and over map keys that decode alike, and
// turned into a Series. Kept per label set from one scrape to the next: reset() zeroes
// it, so a scrape allocates nothing for series it has seen before.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "runtime/metrics/snapshot.h"
#include "runtime/spec/program.h"

namespace sonde::metrics {

class Accumulator {
 public:
  void reset();
  // Adds one CPU's value of one map key (the value layouts of sonde/values.h).
  void add(const spec::Metric& m, std::span<const uint8_t> value);
  // False when there is nothing to show yet (min, max, gauge and avg with no event).
  // `range`: the log2 buckets shown for this label set so far (first, last), widened
  // here and never narrowed, so bucket series do not come and go between scrapes.
  bool to_series(const spec::Metric& m, std::pair<uint32_t, uint32_t>& range, Series& out) const;

 private:
  int64_t sum_ = 0;
  uint64_t count_ = 0;
  bool seen_ = false;
  int64_t value_ = 0;
  uint64_t ts_ = 0;
  std::vector<uint64_t> buckets_;
};

// The range of a label set whose buckets were never shown.
inline std::pair<uint32_t, uint32_t> empty_bucket_range() { return {UINT32_MAX, 0}; }

}  // namespace sonde::metrics
