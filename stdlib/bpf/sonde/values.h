/* Per-CPU value layouts of sonde's metric maps, shared by the BPF programs the
 * compiler generates and by the runtime that reads them. Plain C, no kernel types:
 * the userspace side includes this file too. */
#ifndef SONDE_VALUES_H
#define SONDE_VALUES_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* count: __u64; sum: __s64. */

/* min / max over windows of time: epoch = monotonic ns / window, and two slots, one for
 * an even epoch and one for an odd, so the window before the current one is whole
 * until the next one starts. `tag` is the slot's epoch + 1 (0: never written). */
struct sonde_minmax_slot {
  __s64 value;
  __u64 tag;
};

struct sonde_minmax {
  struct sonde_minmax_slot slot[2];
};

struct sonde_avg {
  __s64 sum;
  __u64 count;
};

/* gauge: the last value wins across CPUs, by the time it was written. */
struct sonde_gauge {
  __s64 value;
  __u64 ts;
};

/* histogram: this head, then `__u64 buckets[bounds + 1]` (spec::Metric::bounds). */
struct sonde_hist_head {
  __u64 count;
  __s64 sum;
};

/* Block request operation, computed in BPF from rwbs so the map key stays small. */
enum sonde_block_op {
  SONDE_BLOCK_OP_READ = 0,
  SONDE_BLOCK_OP_WRITE = 1,
  SONDE_BLOCK_OP_DISCARD = 2,
  SONDE_BLOCK_OP_FLUSH = 3,
  SONDE_BLOCK_OP_OTHER = 4,
};

/* The first byte of a string label whose read failed (see sonde_unreadable). */
#define SONDE_UNREADABLE 0xff

/* Span statistics: two u64 slots per span in the span stats map. */
enum sonde_span_stat {
  SONDE_SPAN_STARTS = 0,    /* new keys inserted into the start map */
  SONDE_SPAN_COMPLETED = 1, /* starts consumed by a matching end */
  SONDE_SPAN_STAT_SLOTS = 2,
};

#endif
