#include "runtime/metrics/accumulator.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "stdlib/bpf/sonde/values.h"

namespace sonde::metrics {

namespace {

// Per-CPU sums added as the kernel adds them: modulo 2^64 (signed overflow is undefined
// in C++, and a map value is whatever the kernel, or a damaged bundle's program, left).
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

template <typename T>
T read_as(std::span<const uint8_t> bytes, size_t offset = 0) {
  T v{};
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

}  // namespace

// The kernel's epoch comes from bpf_ktime_get_ns(), which is CLOCK_MONOTONIC.
uint64_t current_epoch(const spec::Metric& m) {
  if (m.window_ns == 0) return 0;
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto ns =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(now.tv_nsec);
  return ns / m.window_ns;
}

void Accumulator::reset() {
  sum_ = 0;
  count_ = 0;
  seen_ = false;
  std::fill(buckets_.get(), buckets_.get() + slots_, 0);
}

void Accumulator::add(const spec::Metric& m, std::span<const uint8_t> v, uint64_t epoch) {
  switch (m.aggregation) {
    case spec::Aggregation::kCount:
      count_ += read_as<uint64_t>(v);
      break;
    case spec::Aggregation::kSum:
      sum_ = wrapping_add(sum_, read_as<int64_t>(v));
      break;
    case spec::Aggregation::kMin:
    case spec::Aggregation::kMax: {
      const auto mm = read_as<sonde_minmax>(v);
      for (const sonde_minmax_slot& slot : mm.slot) {
        count_ = std::max<uint64_t>(count_, slot.tag);
        // Tags are epoch + 1: this window's, or the last one's.
        if (slot.tag != epoch + 1 && slot.tag != epoch) continue;
        if (slot.tag == 0) continue;
        const bool better =
            !seen_ ||
            (m.aggregation == spec::Aggregation::kMin ? slot.value < sum_ : slot.value > sum_);
        if (better) sum_ = slot.value;
        seen_ = true;
      }
      break;
    }
    case spec::Aggregation::kAvg: {
      auto a = read_as<sonde_avg>(v);
      sum_ = wrapping_add(sum_, a.sum);
      count_ += a.count;
      break;
    }
    case spec::Aggregation::kGauge: {
      auto g = read_as<sonde_gauge>(v);
      if (g.ts && g.ts >= count_) {
        count_ = g.ts;
        sum_ = g.value;
        seen_ = true;
      }
      break;
    }
    case spec::Aggregation::kHistogram: {
      const size_t slots = m.bounds.size() + 1;
      if (slots_ != slots) {
        buckets_ = std::make_unique<uint64_t[]>(slots);  // zeroed
        slots_ = static_cast<uint32_t>(slots);
      }
      auto head = read_as<sonde_hist_head>(v);
      count_ += head.count;
      sum_ = wrapping_add(sum_, head.sum);
      if (head.count == 0) break;  // nothing in the buckets either
      const size_t at = sizeof(sonde_hist_head);
      for (size_t b = 0; b < slots; ++b) buckets_[b] += read_as<uint64_t>(v, at + 8 * b);
      break;
    }
  }
}

uint64_t Accumulator::activity(const spec::Metric& m) const {
  switch (m.aggregation) {
    case spec::Aggregation::kSum:
      return static_cast<uint64_t>(sum_);
    case spec::Aggregation::kMin:
    case spec::Aggregation::kMax:
    case spec::Aggregation::kGauge:
    case spec::Aggregation::kCount:
    case spec::Aggregation::kAvg:
    case spec::Aggregation::kHistogram:
      break;
  }
  return count_;
}

uint64_t Accumulator::events(const spec::Metric& m) const {
  switch (m.aggregation) {
    case spec::Aggregation::kCount:
    case spec::Aggregation::kAvg:
    case spec::Aggregation::kHistogram:
      return count_;
    case spec::Aggregation::kSum:
    case spec::Aggregation::kMin:
    case spec::Aggregation::kMax:
    case spec::Aggregation::kGauge:
      break;
  }
  return 0;
}

bool Accumulator::to_series(const spec::Metric& m, Series& s) const {
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
      if (!seen_) return false;  // no event (in the window): no value to show
      s.value = static_cast<double>(sum_);
      return true;
    case spec::Aggregation::kAvg:
      // A summary (_sum and _count) from the first scrape on, as counters are: its
      // first events must count in rate(). The average is for the terminal and JSON.
      s.value =
          count_ == 0 ? std::nan("") : static_cast<double>(sum_) / static_cast<double>(count_);
      s.count = count_;
      s.sum = static_cast<double>(sum_);
      return true;
    case spec::Aggregation::kHistogram:
      break;
  }
  // Every bound, zeros included, in every series and every scrape: Prometheus sums
  // buckets across series by `le` and takes rates per bucket, so a bucket that is
  // missing from one series or one scrape skews both.
  s.count = count_;
  s.sum = static_cast<double>(sum_);
  s.buckets.resize(m.bounds.size());
  for (size_t b = 0; b < m.bounds.size(); ++b) {
    s.buckets[b] = {static_cast<double>(m.bounds[b]), b < slots_ ? buckets_[b] : 0};
  }
  return true;
}

}  // namespace sonde::metrics
