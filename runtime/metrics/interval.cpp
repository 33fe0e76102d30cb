#include "runtime/metrics/interval.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "runtime/spec/aggregations.h"

namespace sonde::metrics {
namespace {

// A restart: the series expired or was cleared and began again, so all it holds now
// came in the interval.
bool restarted(const Family& family, const Series& now, uint64_t previous_count,
               double previous_value) {
  switch (family.aggregation) {
    case spec::Aggregation::kCount:
      return now.value < previous_value;
    case spec::Aggregation::kSum:
      // A sum of values that can be negative goes down without restarting.
      return family.type == FamilyType::kCounter && now.value < previous_value;
    default:
      return now.count < previous_count;
  }
}

}  // namespace

bool additive(const Family& family) {
  return spec::aggregation_info(family.aggregation).family != spec::Family::kGauge;
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double monotonic_seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

IntervalTracker::IntervalTracker(double unix_start, double monotonic_start)
    : unix_last_(unix_start), monotonic_last_(monotonic_start) {}

void IntervalTracker::advance(Snapshot& snapshot, double unix_now, double monotonic_now) {
  snapshot.interval =
      Interval{unix_last_, unix_now, std::max(0.0, monotonic_now - monotonic_last_), first_};
  unix_last_ = unix_now;
  monotonic_last_ = monotonic_now;
  first_ = false;
  std::map<std::string, Series> kept;
  for (Family& family : snapshot.families) {
    if (!additive(family)) continue;
    const Series* before = nullptr;
    if (auto it = families_.find(family.name); it != families_.end()) before = &it->second;
    Series& after = kept[family.name];
    family.increases.assign(family.series.size(), Increase{});
    for (size_t i = 0; i < family.series.size(); ++i) {
      const metrics::Series& now = family.series[i];
      Increase& inc = family.increases[i];
      Previous prev;
      if (before != nullptr) {
        if (auto it = before->find(now.label_values.packed()); it != before->end())
          prev = it->second;
      }
      bool whole = restarted(family, now, prev.count, prev.value);
      for (size_t b = 0; b < now.buckets.size() && !whole; ++b) {
        whole = b < prev.buckets.size() && now.buckets[b].count < prev.buckets[b];
      }
      if (whole) prev = Previous{};
      inc.count = now.count - prev.count;
      inc.sum = now.sum - prev.sum;
      inc.buckets.resize(now.buckets.size());
      for (size_t b = 0; b < now.buckets.size(); ++b) {
        inc.buckets[b] = now.buckets[b].count - (b < prev.buckets.size() ? prev.buckets[b] : 0);
      }
      if (family.aggregation == spec::Aggregation::kAvg) {
        inc.value = inc.count > 0 ? inc.sum / static_cast<double>(inc.count)
                                  : std::numeric_limits<double>::quiet_NaN();
        inc.changed = inc.count > 0;
      } else if (family.type == FamilyType::kHistogram) {
        inc.changed = inc.count > 0;
      } else {
        inc.value = now.value - prev.value;
        inc.changed = inc.value != 0;
      }
      Previous& keep = after[std::string(now.label_values.packed())];
      keep.value = now.value;
      keep.count = now.count;
      keep.sum = now.sum;
      keep.buckets.resize(now.buckets.size());
      for (size_t b = 0; b < now.buckets.size(); ++b) keep.buckets[b] = now.buckets[b].count;
    }
  }
  families_ = std::move(kept);
}

}  // namespace sonde::metrics
