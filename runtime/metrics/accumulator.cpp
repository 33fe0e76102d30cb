#include "runtime/metrics/accumulator.h"

#include <algorithm>
#include <cstring>

#include "runtime/metrics/buckets.h"
#include "stdlib/bpf/sonde/values.h"

namespace sonde::metrics {
namespace {

template <typename T>
T read_as(std::span<const uint8_t> bytes, size_t offset = 0) {
  T v{};
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

}  // namespace

void Accumulator::reset() {
  sum_ = 0;
  count_ = 0;
  seen_ = false;
  value_ = 0;
  ts_ = 0;
  std::fill(buckets_.begin(), buckets_.end(), 0);
}

void Accumulator::add(const spec::Metric& m, std::span<const uint8_t> v) {
  switch (m.aggregation) {
    case spec::Aggregation::kCount:
      count_ += read_as<uint64_t>(v);
      break;
    case spec::Aggregation::kSum:
      sum_ += read_as<int64_t>(v);
      break;
    case spec::Aggregation::kMin:
    case spec::Aggregation::kMax: {
      auto mm = read_as<sonde_minmax>(v);
      if (!mm.seen) break;
      bool better = !seen_ || (m.aggregation == spec::Aggregation::kMin ? mm.value < value_
                                                                        : mm.value > value_);
      if (better) value_ = mm.value;
      seen_ = true;
      break;
    }
    case spec::Aggregation::kAvg: {
      auto a = read_as<sonde_avg>(v);
      sum_ += a.sum;
      count_ += a.count;
      break;
    }
    case spec::Aggregation::kGauge: {
      auto g = read_as<sonde_gauge>(v);
      if (g.ts && g.ts >= ts_) {
        ts_ = g.ts;
        value_ = g.value;
        seen_ = true;
      }
      break;
    }
    case spec::Aggregation::kHistogram: {
      auto head = read_as<sonde_hist_head>(v);
      count_ += head.count;
      sum_ += head.sum;
      if (buckets_.size() < m.bucket_count) buckets_.resize(m.bucket_count);
      if (head.count == 0) break;  // nothing in the buckets either
      for (uint32_t b = 0; b < m.bucket_count; ++b) buckets_[b] += read_as<uint64_t>(v, 16 + 8 * b);
      break;
    }
  }
}

bool Accumulator::to_series(const spec::Metric& m, std::pair<uint32_t, uint32_t>& range,
                            Series& s) const {
  switch (m.aggregation) {
    case spec::Aggregation::kCount:
      s.value = static_cast<double>(count_);
      return true;
    case spec::Aggregation::kSum:
      s.value = static_cast<double>(sum_);
      return true;
    case spec::Aggregation::kMin:
    case spec::Aggregation::kMax:
    case spec::Aggregation::kGauge:
      if (!seen_) return false;  // no event yet: no value to show
      s.value = static_cast<double>(value_);
      return true;
    case spec::Aggregation::kAvg:
      if (count_ == 0) return false;
      s.value = static_cast<double>(sum_) / static_cast<double>(count_);
      s.count = count_;
      s.sum = static_cast<double>(sum_);
      return true;
    case spec::Aggregation::kHistogram:
      break;
  }
  s.count = count_;
  s.sum = static_cast<double>(sum_);
  const uint32_t finite =
      std::min<uint32_t>(finite_slots(m), std::min<uint32_t>(m.bucket_count, buckets_.size()));
  uint32_t lo = 0, hi = finite ? finite - 1 : 0;
  if (m.buckets == spec::BucketScheme::kLog2) {
    // Shown: from one empty bucket below the lowest observation (a lower bound for
    // quantile interpolation) to the highest, kept stable across scrapes.
    uint32_t first = finite, last = 0;
    for (uint32_t b = 0; b < finite; ++b) {
      if (buckets_[b]) {
        first = std::min(first, b);
        last = b;
      }
    }
    if (first < finite) {
      range.first = std::min(range.first, first == 0 ? 0 : first - 1);
      range.second = std::max(range.second, last);
    }
    if (range.first > range.second) return true;  // nothing observed yet: no finite buckets
    lo = range.first;
    hi = range.second;
  }
  if (finite == 0) return true;
  s.buckets.reserve(hi - lo + 1);
  for (uint32_t b = lo; b <= hi && b < finite; ++b)
    s.buckets.push_back({bucket_le(m, b), buckets_[b]});
  return true;
}

}  // namespace sonde::metrics
