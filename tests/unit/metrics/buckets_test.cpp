// Bucket rules at every boundary: the BPF side's slot functions (compiled here from
// the same header) and the runtime's `le` bounds must agree that a value v lands in
// the first bucket whose le >= v.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/metrics/buckets.h"
#include "stdlib/bpf/sonde/buckets.h"

namespace sonde::metrics {
namespace {

spec::Metric log2_metric() {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kHistogram;
  m.buckets = spec::BucketScheme::kLog2;
  m.bucket_count = SONDE_LOG2_SLOTS;
  return m;
}

spec::Metric linear_metric(int64_t low, int64_t high, int64_t step) {
  spec::Metric m;
  m.aggregation = spec::Aggregation::kHistogram;
  m.buckets = spec::BucketScheme::kLinear;
  m.linear_low = low;
  m.linear_high = high;
  m.linear_step = step;
  m.bucket_count = static_cast<uint32_t>(sonde_linear_slots(low, high, step));
  return m;
}

// The defining property: le(slot(v)) >= v and, for slot > 0, le(slot(v) - 1) < v.
void expect_first_bucket_at_or_above(const spec::Metric& m, uint32_t slot, double v) {
  ASSERT_LT(slot, finite_slots(m) + 1);
  if (slot < finite_slots(m)) {
    EXPECT_GE(bucket_le(m, slot), v) << "v=" << v << " slot=" << slot;
  }
  if (slot > 0) {
    EXPECT_LT(bucket_le(m, slot - 1), v) << "v=" << v << " slot=" << slot;
  }
}

TEST(Log2Buckets, RoundUpNotDown) {
  EXPECT_EQ(sonde_log2_slot(0), 0u);
  EXPECT_EQ(sonde_log2_slot(1), 1u);  // le 1
  EXPECT_EQ(sonde_log2_slot(2), 2u);  // le 2
  EXPECT_EQ(sonde_log2_slot(3), 3u);  // le 4: a floor-log2 scheme would say le 2
  EXPECT_EQ(sonde_log2_slot(4), 3u);
  EXPECT_EQ(sonde_log2_slot(5), 4u);  // le 8
  EXPECT_EQ(sonde_log2_slot(1023), 11u);
  EXPECT_EQ(sonde_log2_slot(1024), 11u);  // le 1024
  EXPECT_EQ(sonde_log2_slot(1025), 12u);  // le 2048
  EXPECT_EQ(sonde_log2_slot(UINT64_MAX), 65u);
  EXPECT_EQ(sonde_log2_slot((1ULL << 63) + 1), 65u);
  EXPECT_EQ(sonde_log2_slot(1ULL << 63), 64u);
}

TEST(Log2Buckets, EveryPowerOfTwoAndItsNeighbours) {
  // Exact in integers (doubles cannot tell 2^60 from 2^60 + 1).
  __extension__ using U128 = unsigned __int128;
  auto le = [](uint32_t slot) -> U128 { return slot == 0 ? 0 : U128{1} << (slot - 1); };
  for (int k = 0; k < 64; ++k) {
    uint64_t p = 1ULL << k;
    for (uint64_t v : {p - 1, p, p + 1}) {
      uint32_t slot = sonde_log2_slot(v);
      EXPECT_GE(le(slot), v) << "v=" << v;
      if (slot > 0) {
        EXPECT_LT(le(slot - 1), v) << "v=" << v;
      }
    }
  }
  // The runtime's bounds are the same numbers.
  spec::Metric m = log2_metric();
  for (uint32_t slot = 0; slot < SONDE_LOG2_SLOTS; ++slot)
    EXPECT_EQ(bucket_le(m, slot), static_cast<double>(le(slot)));
  expect_first_bucket_at_or_above(m, sonde_log2_slot(1000), 1000);
}

TEST(Log2Buckets, SignedValuesAtOrBelowZeroGoToTheZeroBucket) {
  EXPECT_EQ(sonde_log2_slot_signed(-1), 0u);
  EXPECT_EQ(sonde_log2_slot_signed(INT64_MIN), 0u);
  EXPECT_EQ(sonde_log2_slot_signed(0), 0u);
  EXPECT_EQ(sonde_log2_slot_signed(1), 1u);
  EXPECT_EQ(sonde_log2_slot_signed(INT64_MAX), 64u);
}

TEST(LinearBuckets, BoundsAndOverflow) {
  spec::Metric m = linear_metric(0, 1048576, 65536);
  const uint32_t slots = m.bucket_count;
  EXPECT_EQ(slots, 18u);  // le 0, 64Ki, ..., 1Mi (17 bounds) + overflow
  EXPECT_EQ(finite_slots(m), 17u);
  EXPECT_EQ(sonde_linear_slot(-5, 0, 65536, slots), 0u);
  EXPECT_EQ(sonde_linear_slot(0, 0, 65536, slots), 0u);
  EXPECT_EQ(sonde_linear_slot(1, 0, 65536, slots), 1u);
  EXPECT_EQ(sonde_linear_slot(65536, 0, 65536, slots), 1u);
  EXPECT_EQ(sonde_linear_slot(65537, 0, 65536, slots), 2u);
  EXPECT_EQ(sonde_linear_slot(1048576, 0, 65536, slots), 16u);
  EXPECT_EQ(sonde_linear_slot(1048577, 0, 65536, slots), 17u);  // only in +Inf
  EXPECT_EQ(sonde_linear_slot(INT64_MAX, 0, 65536, slots), 17u);
  for (int64_t v = -70000; v <= 1100000; v += 4096) {
    uint32_t slot = sonde_linear_slot(v, 0, 65536, slots);
    if (slot < finite_slots(m))
      expect_first_bucket_at_or_above(m, slot, static_cast<double>(v));
    else
      EXPECT_GT(static_cast<double>(v), bucket_le(m, finite_slots(m) - 1));
  }
}

TEST(LinearBuckets, NegativeLowAndUnevenRange) {
  spec::Metric m = linear_metric(-10, 10, 3);  // bounds -10, -7, ..., 11 (range rounded up)
  const uint32_t slots = m.bucket_count;
  EXPECT_EQ(slots, 9u);
  EXPECT_EQ(bucket_le(m, 0), -10.0);
  EXPECT_EQ(bucket_le(m, 7), 11.0);
  for (int64_t v = -20; v <= 20; ++v) {
    uint32_t slot = sonde_linear_slot(v, -10, 3, slots);
    if (slot < finite_slots(m))
      expect_first_bucket_at_or_above(m, slot, static_cast<double>(v));
    else
      EXPECT_GT(v, 11);
  }
}

}  // namespace
}  // namespace sonde::metrics
