/* Histogram bucket rules, the one place they are defined. Compiled into BPF programs
 * (which find a value's slot) and into the compiler (which lists each scheme's bounds
 * for the runtime: spec::Metric::bounds), and unit-tested at every boundary.
 *
 * Prometheus semantics: a value v is counted in every bucket whose upper bound `le` is
 * >= v. A histogram has n finite bounds b[0] < ... < b[n-1] and n + 1 slots: slot 0
 * holds every v <= b[0] (below the range included), slot i holds b[i-1] < v <= b[i],
 * and slot n holds v > b[n-1], which only the +Inf bucket counts.
 *
 * Schemes (`first` is 1 when the bounds start with 0, else 0):
 *   log2(low, high):          b[i] = low * 2^i (low >= 1), up to the first >= high;
 *   log2(0, high):            b = 0, 1, 2, 4, ...: first = 1, low = 1;
 *   linear(low, high, step):  b[i] = low + i * step, up to the first >= high;
 *   buckets(b0, b1, ...):     the bounds as written.
 *
 * `x` is the value as the program computed it (__s64); `is_signed` says whether it is
 * a signed quantity: an unsigned one above INT64_MAX is above every bound, a signed
 * negative one is below every positive bound. */
#ifndef SONDE_BUCKETS_H
#define SONDE_BUCKETS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#ifndef SONDE_INLINE
#define SONDE_INLINE static inline __attribute__((always_inline))
#endif

/* The most finite bounds a histogram has (spec::kMaxBucketBounds says the same), and
 * the binary search steps that cover them: 2^11 > 1024 + 1. */
#define SONDE_MAX_BOUNDS 1024
#define SONDE_SEARCH_STEPS 11

/* Number of bits needed to represent x (0 for 0). Branchy on purpose: BPF has no clz. */
SONDE_INLINE __u32 sonde_bit_length(__u64 x) {
  __u32 r = 0;
  if (x >= (1ULL << 32)) {
    x >>= 32;
    r += 32;
  }
  if (x >= (1ULL << 16)) {
    x >>= 16;
    r += 16;
  }
  if (x >= (1ULL << 8)) {
    x >>= 8;
    r += 8;
  }
  if (x >= (1ULL << 4)) {
    x >>= 4;
    r += 4;
  }
  if (x >= (1ULL << 2)) {
    x >>= 2;
    r += 2;
  }
  if (x >= (1ULL << 1)) {
    x >>= 1;
    r += 1;
  }
  return r + (__u32)x;
}

/* log2 rounded up, plus one: 0 for 0, 1 for 1, k + 1 for 2^(k-1) < v <= 2^k. */
SONDE_INLINE __u32 sonde_log2_slot(__u64 v) { return v == 0 ? 0 : 1 + sonde_bit_length(v - 1); }

SONDE_INLINE __s64 sonde_log2_bound(__u64 low, __u32 first, __u32 i) {
  return first && i == 0 ? 0 : (__s64)(low << (i - first));
}

SONDE_INLINE __u32 sonde_log2_bucket(__s64 x, int is_signed, __u64 low, __u32 first, __u32 n) {
  if (is_signed && x <= 0) return 0;
  __u64 v = (__u64)x;
  if (v == 0) return 0;
  if (v <= low) return first;
  /* low * 2^(k-1) < v <= low * 2^k  <=>  2^(k-1) < ceil(v / low) <= 2^k */
  __u32 s = first + sonde_log2_slot((v - 1) / low + 1) - 1;
  return s < n ? s : n;
}

SONDE_INLINE __s64 sonde_linear_bound(__s64 low, __u64 step, __u32 i) {
  return (__s64)((__u64)low + (__u64)i * step);
}

SONDE_INLINE __u32 sonde_linear_bucket(__s64 x, int is_signed, __s64 low, __u64 step, __u32 n) {
  if (!is_signed && x < 0) return n;
  if (x <= low) return 0;
  /* ceil((x - low) / step), in unsigned arithmetic: x - low may not fit in an __s64 */
  __u64 i = ((__u64)x - (__u64)low - 1) / step + 1;
  return i < n ? (__u32)i : n;
}

/* The first of n ascending bounds that is >= x (n when none is). */
SONDE_INLINE __u32 sonde_explicit_bucket(__s64 x, int is_signed, const __s64* bounds, __u32 n) {
  if (!is_signed && x < 0) return n;
  __u32 lo = 0, hi = n;
  for (int step = 0; step < SONDE_SEARCH_STEPS && lo < hi; step++) {
    __u32 mid = (lo + hi) / 2;
    if (x <= bounds[mid])
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

#endif
