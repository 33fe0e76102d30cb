// Bucket rules at every boundary: the slot functions BPF programs bucket with (compiled
// here from the same header) must put a value v in the slot of the first bound >= v,
// and values above every bound in the last slot (only +Inf counts it), for the bounds
// the compiler lists for the runtime (built here with the header's bound functions).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "stdlib/bpf/sonde/buckets.h"

namespace sonde {
namespace {

using Bounds = std::vector<__s64>;  // the header's type (long long), not int64_t (long)
using SlotOf = std::function<uint32_t(int64_t x, int is_signed)>;

// The definition: the first bound at or above v; n when v is above them all. An
// unsigned value that reads as negative is above 2^63, so above every bound.
uint32_t reference_slot(const Bounds& b, int64_t x, int is_signed) {
  if (!is_signed && x < 0) return static_cast<uint32_t>(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    if (x <= b[i]) return static_cast<uint32_t>(i);
  }
  return static_cast<uint32_t>(b.size());
}

// Every bound, its neighbours, the midpoints, and the extremes, as signed and unsigned.
void expect_agrees(const Bounds& b, const SlotOf& slot_of) {
  std::vector<int64_t> values = {
      0, 1, -1, 2, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i < b.size(); ++i) {
    for (int64_t d : {-1, 0, 1}) {
      if ((d < 0 && b[i] == std::numeric_limits<int64_t>::min()) ||
          (d > 0 && b[i] == std::numeric_limits<int64_t>::max()))
        continue;
      values.push_back(b[i] + d);
    }
    if (i > 0) values.push_back(b[i - 1] + (b[i] - b[i - 1]) / 2);
  }
  for (int is_signed : {0, 1}) {
    for (int64_t x : values) {
      ASSERT_EQ(slot_of(x, is_signed), reference_slot(b, x, is_signed))
          << "x=" << x << " signed=" << is_signed << " bounds " << b.front() << ".." << b.back()
          << " (" << b.size() << ")";
    }
  }
}

Bounds log2_bounds(uint64_t low, uint32_t first, uint32_t n) {
  Bounds b;
  for (uint32_t i = 0; i < n; ++i) b.push_back(sonde_log2_bound(low, first, i));
  return b;
}

Bounds linear_bounds(int64_t low, uint64_t step, uint32_t n) {
  Bounds b;
  for (uint32_t i = 0; i < n; ++i) b.push_back(sonde_linear_bound(low, step, i));
  return b;
}

TEST(Log2Slot, RoundsUpNotDown) {
  EXPECT_EQ(sonde_log2_slot(0), 0u);
  EXPECT_EQ(sonde_log2_slot(1), 1u);
  EXPECT_EQ(sonde_log2_slot(2), 2u);
  EXPECT_EQ(sonde_log2_slot(3), 3u);  // 4: a floor-log2 scheme would say 2
  EXPECT_EQ(sonde_log2_slot(4), 3u);
  EXPECT_EQ(sonde_log2_slot(5), 4u);
  EXPECT_EQ(sonde_log2_slot(1024), 11u);
  EXPECT_EQ(sonde_log2_slot(1025), 12u);
  EXPECT_EQ(sonde_log2_slot(1ULL << 63), 64u);
  EXPECT_EQ(sonde_log2_slot((1ULL << 63) + 1), 65u);
  EXPECT_EQ(sonde_log2_slot(UINT64_MAX), 65u);
}

TEST(Log2Buckets, DefaultLatencyRangeFromOneMicrosecond) {
  // log2(1us, 10s): 1us, 2us, ..., 16.777216 s.
  const Bounds b = log2_bounds(1000, 0, 25);
  EXPECT_EQ(b.front(), 1000);
  EXPECT_EQ(b.back(), 16'777'216'000);
  EXPECT_EQ(sonde_log2_bucket(999, 0, 1000, 0, 25), 0u);         // below the range: first bucket
  EXPECT_EQ(sonde_log2_bucket(1000, 0, 1000, 0, 25), 0u);        // le 1us
  EXPECT_EQ(sonde_log2_bucket(1001, 0, 1000, 0, 25), 1u);        // le 2us
  EXPECT_EQ(sonde_log2_bucket(1'500'000, 0, 1000, 0, 25), 11u);  // 1.5 ms: le 2.048 ms
  EXPECT_EQ(b[11], 2'048'000);
  EXPECT_EQ(sonde_log2_bucket(16'777'216'001, 0, 1000, 0, 25), 25u);  // above: +Inf only
  expect_agrees(b, [](int64_t x, int s) { return sonde_log2_bucket(x, s, 1000, 0, 25); });
}

TEST(Log2Buckets, FromZeroThenPowersOfTwo) {
  // log2(0, 1GiB): 0, 1, 2, 4, ..., 2^30.
  const Bounds b = log2_bounds(1, 1, 32);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(b[2], 2);
  EXPECT_EQ(b[31], int64_t{1} << 30);
  EXPECT_EQ(sonde_log2_bucket(-5, 1, 1, 1, 32), 0u);   // signed: below zero, in le 0
  EXPECT_EQ(sonde_log2_bucket(-5, 0, 1, 1, 32), 32u);  // unsigned: 2^64 - 5, above all
  EXPECT_EQ(sonde_log2_bucket(3, 1, 1, 1, 32), 3u);    // le 4
  expect_agrees(b, [](int64_t x, int s) { return sonde_log2_bucket(x, s, 1, 1, 32); });
}

TEST(Log2Buckets, AnyLowAndEveryLength) {
  for (uint64_t low : {1ULL, 3ULL, 1000ULL, 4096ULL, 1000000007ULL}) {
    for (uint32_t first : {0u, 1u}) {
      if (first && low != 1) continue;
      // Up to the longest list whose bounds fit in an int64.
      uint32_t most = first + 1;
      while (most < 64 && (low << (most - first)) <= static_cast<uint64_t>(INT64_MAX) &&
             ((low << (most - first)) >> (most - first)) == low)
        ++most;
      for (uint32_t n = 1; n <= most; ++n) {
        const Bounds b = log2_bounds(low, first, n);
        expect_agrees(b, [&](int64_t x, int s) { return sonde_log2_bucket(x, s, low, first, n); });
      }
    }
  }
}

TEST(LinearBuckets, StepThatIsNotAPowerOfTwo) {
  // linear(0, 300ms, 25ms): 0, 25ms, ..., 300ms.
  const Bounds b = linear_bounds(0, 25'000'000, 13);
  EXPECT_EQ(b.back(), 300'000'000);
  EXPECT_EQ(sonde_linear_bucket(0, 0, 0, 25'000'000, 13), 0u);
  EXPECT_EQ(sonde_linear_bucket(1, 0, 0, 25'000'000, 13), 1u);
  EXPECT_EQ(sonde_linear_bucket(25'000'000, 0, 0, 25'000'000, 13), 1u);
  EXPECT_EQ(sonde_linear_bucket(25'000'001, 0, 0, 25'000'000, 13), 2u);
  EXPECT_EQ(sonde_linear_bucket(300'000'001, 0, 0, 25'000'000, 13), 13u);  // +Inf only
  EXPECT_EQ(sonde_linear_bucket(INT64_MAX, 1, 0, 25'000'000, 13), 13u);
  expect_agrees(b, [](int64_t x, int s) { return sonde_linear_bucket(x, s, 0, 25'000'000, 13); });
}

TEST(LinearBuckets, NegativeLowUnevenRangesAndExtremes) {
  struct Scheme {
    int64_t low;
    uint64_t step;
    uint32_t n;
  };
  for (Scheme s : {Scheme{-10, 3, 8}, Scheme{0, 65536, 17}, Scheme{0, 100, 11},
                   Scheme{-INT64_MAX, uint64_t{1} << 62, 4}, Scheme{5, 7, 1024},
                   Scheme{INT64_MAX - 10, 5, 3}}) {
    const Bounds b = linear_bounds(s.low, s.step, s.n);
    expect_agrees(
        b, [&](int64_t x, int sg) { return sonde_linear_bucket(x, sg, s.low, s.step, s.n); });
  }
}

TEST(ExplicitBuckets, BinarySearchFindsTheFirstBoundAtOrAbove) {
  const Bounds slo = {1'000'000, 5'000'000, 10'000'000, 50'000'000, 100'000'000, 500'000'000};
  EXPECT_EQ(sonde_explicit_bucket(10'000'000, 0, slo.data(), 6), 2u);  // exactly 10 ms: le 10ms
  EXPECT_EQ(sonde_explicit_bucket(10'000'001, 0, slo.data(), 6), 3u);
  EXPECT_EQ(sonde_explicit_bucket(1, 0, slo.data(), 6), 0u);
  EXPECT_EQ(sonde_explicit_bucket(500'000'001, 0, slo.data(), 6), 6u);
  expect_agrees(slo, [&](int64_t x, int s) { return sonde_explicit_bucket(x, s, slo.data(), 6); });

  // Every length up to the most the language allows, random ascending bounds.
  std::mt19937_64 random(42);
  for (uint32_t n = 1; n <= SONDE_MAX_BOUNDS; n = n < 70 ? n + 1 : n * 2 + 1) {
    Bounds b;
    int64_t at = static_cast<int64_t>(random() % 1000) - 500;
    for (uint32_t i = 0; i < std::min<uint32_t>(n, SONDE_MAX_BOUNDS); ++i) {
      b.push_back(at);
      at += 1 + static_cast<int64_t>(random() % 1000);
    }
    const auto count = static_cast<uint32_t>(b.size());
    expect_agrees(b,
                  [&](int64_t x, int s) { return sonde_explicit_bucket(x, s, b.data(), count); });
  }
}

}  // namespace
}  // namespace sonde
