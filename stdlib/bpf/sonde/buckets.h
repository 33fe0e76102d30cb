/* Histogram bucket rules, the one place they are defined. Compiled into BPF programs
 * and into the runtime (which derives each bucket's `le` bound from the same rules),
 * and unit-tested at every boundary.
 *
 * Prometheus semantics: a value v is counted in the first bucket whose upper bound
 * `le` is >= v. Buckets are (previous le, le].
 *
 * log2: slot 0 holds v <= 0 (le 0); slot k >= 1 holds 2^(k-2) < v <= 2^(k-1)
 *       (le 2^(k-1)), i.e. log2 rounded up. 66 slots cover every u64.
 * linear(low, high, step): slot i in [0, n] holds low + (i-1)*step < v <= low + i*step
 *       (slot 0: v <= low), n = ceil((high - low) / step); slot n + 1 holds v above
 *       the last bound and is exported only through +Inf. */
#ifndef SONDE_BUCKETS_H
#define SONDE_BUCKETS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#ifndef SONDE_INLINE
#define SONDE_INLINE static inline __attribute__((always_inline))
#endif

#define SONDE_LOG2_SLOTS 66

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

SONDE_INLINE __u32 sonde_log2_slot(__u64 v) { return v == 0 ? 0 : 1 + sonde_bit_length(v - 1); }

SONDE_INLINE __u32 sonde_log2_slot_signed(__s64 v) {
  return v <= 0 ? 0 : sonde_log2_slot((__u64)v);
}

/* Slots of a linear scheme: n + 1 finite bounds (slots 0..n) and the overflow slot. */
SONDE_INLINE __u64 sonde_linear_slots(__s64 low, __s64 high, __s64 step) {
  return ((__u64)(high - low) + (__u64)step - 1) / (__u64)step + 2;
}

SONDE_INLINE __u32 sonde_linear_slot(__s64 v, __s64 low, __s64 step, __u32 slots) {
  if (v <= low) return 0;
  __u64 i = ((__u64)(v - low) + (__u64)step - 1) / (__u64)step;
  return i < slots - 1 ? (__u32)i : slots - 1;
}

#endif
