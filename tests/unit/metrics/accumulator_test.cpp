// Per-CPU values as the kernel lays them out (sonde/values.h) -> one series: every
// histogram bound from the start, min/max over their windows, avg as sum and count.
#include "runtime/metrics/accumulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <span>
#include <vector>

#include "stdlib/bpf/sonde/values.h"

namespace sonde::metrics {
namespace {

std::vector<uint8_t> histogram_value(uint64_t count, int64_t sum, std::vector<uint64_t> slots) {
  std::vector<uint8_t> bytes(16 + 8 * slots.size());
  sonde_hist_head head{count, sum};
  std::memcpy(bytes.data(), &head, sizeof head);
  std::memcpy(bytes.data() + 16, slots.data(), 8 * slots.size());
  return bytes;
}

spec::Metric histogram(std::vector<int64_t> bounds) {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kHistogram;
  m.buckets = spec::BucketScheme::kExplicit;
  m.bounds = std::move(bounds);
  m.value_size = static_cast<uint32_t>(16 + 8 * (m.bounds.size() + 1));
  return m;
}

std::vector<double> les(const Series& s) {
  std::vector<double> out;
  for (const auto& b : s.buckets) out.push_back(b.le);
  return out;
}

TEST(Accumulator, EverySeriesShowsEveryBoundFromItsFirstScrape) {
  const spec::Metric m = histogram({10, 20, 40, 80});
  // One series saw values only in the lowest bucket, another only above every bound,
  // a third nothing yet: all three show the same four bounds.
  Accumulator low, high, none;
  low.add(m, histogram_value(3, 15, {3, 0, 0, 0, 0}));
  high.add(m, histogram_value(2, 1000, {0, 0, 0, 0, 2}));
  none.add(m, histogram_value(0, 0, {0, 0, 0, 0, 0}));
  Series a, b, c;
  ASSERT_TRUE(low.to_series(m, a));
  ASSERT_TRUE(high.to_series(m, b));
  ASSERT_TRUE(none.to_series(m, c));
  const std::vector<double> all = {10, 20, 40, 80};
  EXPECT_EQ(les(a), all);
  EXPECT_EQ(les(b), all);
  EXPECT_EQ(les(c), all);
  EXPECT_EQ(a.buckets[0].count, 3u);
  EXPECT_EQ(a.count, 3u);
  for (const auto& bucket : b.buckets) EXPECT_EQ(bucket.count, 0u);
  EXPECT_EQ(b.count, 2u);  // only in +Inf
  EXPECT_EQ(b.sum, 1000);
}

TEST(Accumulator, HistogramSumsCpusAndKeepsItsShapeAcrossResets) {
  const spec::Metric m = histogram({1, 2});
  Accumulator acc;
  acc.add(m, histogram_value(2, 3, {1, 1, 0}));
  acc.add(m, histogram_value(1, 9, {0, 0, 1}));
  Series s;
  ASSERT_TRUE(acc.to_series(m, s));
  ASSERT_EQ(s.buckets.size(), 2u);
  EXPECT_EQ(s.buckets[0].count, 1u);
  EXPECT_EQ(s.buckets[1].count, 1u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.sum, 12);
  acc.reset();
  Series empty;
  ASSERT_TRUE(acc.to_series(m, empty));
  EXPECT_EQ(les(empty), les(s));
  EXPECT_EQ(empty.count, 0u);
}

std::vector<uint8_t> minmax_value(int64_t v0, uint64_t tag0, int64_t v1, uint64_t tag1) {
  sonde_minmax mm{};
  mm.slot[0] = {v0, tag0};
  mm.slot[1] = {v1, tag1};
  std::vector<uint8_t> bytes(sizeof mm);
  std::memcpy(bytes.data(), &mm, sizeof mm);
  return bytes;
}

TEST(Accumulator, MaxCountsTheCurrentAndTheLastWindowOnly) {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kMax;
  m.window_ns = 1'000'000'000;
  // Epoch 10 now: slot 0 holds epoch 10 (tag 11), slot 1 epoch 9 (tag 10).
  Accumulator acc;
  acc.add(m, minmax_value(5, 11, 70, 10), 10);
  acc.add(m, minmax_value(9, 11, 0, 0), 10);  // another CPU: only this window
  Series s;
  ASSERT_TRUE(acc.to_series(m, s));
  EXPECT_EQ(s.value, 70);
  // Two epochs later the 70 of epoch 9 is gone; epoch 10's 9 is the last window's.
  acc.reset();
  acc.add(m, minmax_value(5, 11, 70, 10), 11);
  acc.add(m, minmax_value(9, 11, 0, 0), 11);
  ASSERT_TRUE(acc.to_series(m, s));
  EXPECT_EQ(s.value, 9);
  // Later still: nothing in either window, no value.
  acc.reset();
  acc.add(m, minmax_value(5, 11, 70, 10), 13);
  EXPECT_FALSE(acc.to_series(m, s));
}

TEST(Accumulator, MinOfNegativeValuesAcrossCpus) {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kMin;
  m.window_ns = 1'000'000'000;
  Accumulator acc;
  acc.add(m, minmax_value(-3, 1, 0, 0), 0);
  acc.add(m, minmax_value(4, 1, 0, 0), 0);
  Series s;
  ASSERT_TRUE(acc.to_series(m, s));
  EXPECT_EQ(s.value, -3);
}

TEST(Accumulator, AverageIsASumAndACountFromTheStart) {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kAvg;
  Accumulator acc;
  sonde_avg none{0, 0};
  std::vector<uint8_t> bytes(sizeof none);
  std::memcpy(bytes.data(), &none, sizeof none);
  acc.add(m, bytes);
  Series s;
  ASSERT_TRUE(acc.to_series(m, s));  // shown before any event, so rate() sees the first
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum, 0);
  EXPECT_TRUE(std::isnan(s.value));
  sonde_avg a{30, 4}, b{-2, 1};
  std::memcpy(bytes.data(), &a, sizeof a);
  acc.add(m, bytes);
  std::memcpy(bytes.data(), &b, sizeof b);
  acc.add(m, bytes);
  ASSERT_TRUE(acc.to_series(m, s));
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.sum, 28);
  EXPECT_DOUBLE_EQ(s.value, 28.0 / 5);
}

template <typename T>
std::span<const uint8_t> raw(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof v};
}

// Series expiry (docs/churn.md) compares activity() from read to read: it must move
// with every update of each aggregation's layout, and events() is what an expired
// series takes out of the totals.
TEST(Accumulator, ActivityMovesWithEveryUpdateAndEventsCountObservations) {
  spec::Metric count;
  count.aggregation = spec::Aggregation::kCount;
  Accumulator a;
  a.add(count, raw(uint64_t{3}));
  EXPECT_EQ(a.activity(count), 3u);
  EXPECT_EQ(a.events(count), 3u);

  spec::Metric gauge;
  gauge.aggregation = spec::Aggregation::kGauge;
  Accumulator g1, g2;
  g1.add(gauge, raw(sonde_gauge{5, 100}));
  g2.add(gauge, raw(sonde_gauge{5, 200}));  // the same value, set again later
  EXPECT_NE(g1.activity(gauge), g2.activity(gauge));
  EXPECT_EQ(g2.events(gauge), 0u);

  spec::Metric max;
  max.aggregation = spec::Aggregation::kMax;
  max.window_ns = 1;
  Accumulator m1, m2;
  m1.add(max, raw(sonde_minmax{{{7, 11}, {0, 0}}}), 10);
  m2.add(max, raw(sonde_minmax{{{7, 11}, {7, 12}}}), 11);  // the next window written
  EXPECT_NE(m1.activity(max), m2.activity(max));

  const spec::Metric h = histogram({10});
  Accumulator hist;
  hist.add(h, histogram_value(4, 30, {3, 1}));
  EXPECT_EQ(hist.events(h), 4u);
  EXPECT_EQ(hist.activity(h), 4u);
}

}  // namespace
}  // namespace sonde::metrics
