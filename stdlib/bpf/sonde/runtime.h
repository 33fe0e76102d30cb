/* Kernel-side helpers every generated program calls: map updates that send what a full
 * map cannot hold to an overflow slot (and count it), aggregation updates, and span
 * bookkeeping. Generated code defines SONDE_DROP_SLOTS, SONDE_OVERFLOW_BYTES and
 * SONDE_SPAN_SLOTS before including this file. */
#ifndef SONDE_RUNTIME_H
#define SONDE_RUNTIME_H

#include <sonde/buckets.h>
#include <sonde/values.h>

#ifndef SONDE_DROP_SLOTS
#error "define SONDE_DROP_SLOTS (one per metric) before including sonde/runtime.h"
#endif
#ifndef SONDE_SPAN_SLOTS
#define SONDE_SPAN_SLOTS 1
#endif
#ifndef SONDE_OVERFLOW_BYTES
#define SONDE_OVERFLOW_BYTES 8
#endif

/* Updates lost because a map was full, one slot per metric. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SONDE_DROP_SLOTS);
  __type(key, __u32);
  __type(value, __u64);
} sonde_drops SEC(".maps");

/* Per metric: the value of its overflow series, which takes the updates of keys that
 * found the map full (docs/churn.md), so that totals stay whole. As large as the
 * largest metric value; each metric uses the start of its slot with its own layout. */
struct sonde_overflow_value {
  __u8 bytes[SONDE_OVERFLOW_BYTES];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SONDE_DROP_SLOTS);
  __type(key, __u32);
  __type(value, struct sonde_overflow_value);
} sonde_overflow SEC(".maps");

/* Per span: starts inserted, starts completed (see sonde/values.h). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SONDE_SPAN_SLOTS* SONDE_SPAN_STAT_SLOTS);
  __type(key, __u32);
  __type(value, __u64);
} sonde_spans SEC(".maps");

SONDE_INLINE void sonde_bump(void* map, __u32 slot) {
  __u64* n = bpf_map_lookup_elem(map, &slot);
  if (n) *n += 1;
}

/* The value for `key`, created zeroed when missing. When the map is full, the metric's
 * overflow value instead, and the update is counted in sonde_drops. */
SONDE_INLINE void* sonde_lookup_or_init(void* map, const void* key, const void* zero,
                                        __u32 drop_slot) {
  void* value = bpf_map_lookup_elem(map, key);
  if (value) return value;
  long err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
  if (err && err != -EEXIST) {
    sonde_bump(&sonde_drops, drop_slot);
    return bpf_map_lookup_elem(&sonde_overflow, &drop_slot);
  }
  return bpf_map_lookup_elem(map, key);
}

SONDE_INLINE void sonde_count(__u64* v) { *v += 1; }
SONDE_INLINE void sonde_sum(__s64* v, __s64 x) { *v += x; }

/* `epoch`: bpf_ktime_get_ns() / window (sonde/values.h). */
SONDE_INLINE void sonde_min(struct sonde_minmax* m, __s64 x, __u64 epoch) {
  struct sonde_minmax_slot* s = &m->slot[epoch & 1];
  if (s->tag != epoch + 1 || x < s->value) s->value = x;
  s->tag = epoch + 1;
}

SONDE_INLINE void sonde_max(struct sonde_minmax* m, __s64 x, __u64 epoch) {
  struct sonde_minmax_slot* s = &m->slot[epoch & 1];
  if (s->tag != epoch + 1 || x > s->value) s->value = x;
  s->tag = epoch + 1;
}

SONDE_INLINE void sonde_avg(struct sonde_avg* a, __s64 x) {
  a->sum += x;
  a->count += 1;
}

SONDE_INLINE void sonde_gauge(struct sonde_gauge* g, __s64 x) {
  g->value = x;
  g->ts = bpf_ktime_get_ns();
}

/* `buckets` has `slots` entries following the head; `slot` comes from sonde/buckets.h. */
SONDE_INLINE void sonde_hist(struct sonde_hist_head* h, __u64* buckets, __u32 slots, __u32 slot,
                             __s64 x) {
  h->count += 1;
  h->sum += x;
  /* The bucket functions already bound the slot, but through a division the verifier
   * does not follow, and clang drops a check it can prove: hide the slot from clang so
   * that the check the verifier needs stays, on the register that indexes. */
  asm volatile("" : "+r"(slot));
  if (slot < slots) buckets[slot] += 1;
}

/* Span bookkeeping. A start that finds its key already in flight replaces it (the
 * latest start wins, as runqlat does); only new keys count as starts, so
 * starts - completed - in flight = starts the LRU map evicted. */
SONDE_INLINE void sonde_span_start(void* starts, const void* key, const void* value, __u32 span) {
  if (bpf_map_update_elem(starts, key, value, BPF_NOEXIST) == 0) {
    sonde_bump(&sonde_spans, span * SONDE_SPAN_STAT_SLOTS + SONDE_SPAN_STARTS);
  } else {
    bpf_map_update_elem(starts, key, value, BPF_ANY);
  }
}

/* Claims the start of `key`: true when this end consumed it (another end racing on
 * another CPU may have taken it first). */
SONDE_INLINE bool sonde_span_claim(void* starts, const void* key, __u32 span) {
  if (bpf_map_delete_elem(starts, key) != 0) return false;
  sonde_bump(&sonde_spans, span * SONDE_SPAN_STAT_SLOTS + SONDE_SPAN_COMPLETED);
  return true;
}

/* Arithmetic C leaves undefined, defined (compiler/sema/typing.h says what users get):
 * x / 0 is 0 and x % 0 is x, as BPF's own division defines them; signed division goes
 * through magnitudes, since BPF has no signed divide before cpu v4; a shift count
 * outside 0..63 shifts every bit out. */
SONDE_INLINE __u64 sonde_udiv(__u64 a, __u64 b) { return b ? a / b : 0; }
SONDE_INLINE __u64 sonde_umod(__u64 a, __u64 b) { return b ? a % b : a; }

SONDE_INLINE __u64 sonde_magnitude(__s64 x) { return x < 0 ? 0 - (__u64)x : (__u64)x; }

SONDE_INLINE __s64 sonde_sdiv(__s64 a, __s64 b) {
  if (!b) return 0;
  __u64 q = sonde_magnitude(a) / sonde_magnitude(b);
  return (__s64)((a < 0) != (b < 0) ? 0 - q : q);
}

/* The remainder has the dividend's sign, as in C. */
SONDE_INLINE __s64 sonde_smod(__s64 a, __s64 b) {
  if (!b) return a;
  __u64 r = sonde_magnitude(a) % sonde_magnitude(b);
  return (__s64)(a < 0 ? 0 - r : r);
}

SONDE_INLINE __u64 sonde_shl(__u64 a, __u64 n) { return n < 64 ? a << n : 0; }
SONDE_INLINE __u64 sonde_shr_u(__u64 a, __u64 n) { return n < 64 ? a >> n : 0; }
SONDE_INLINE __s64 sonde_shr_s(__s64 a, __u64 n) { return n < 64 ? a >> n : (a < 0 ? -1 : 0); }

/* A string read that failed: 0xff then NUL, which no read string is (0xff is never
 * UTF-8, and a read string of one byte 0xff is shown the same: rare enough). The runtime
 * decodes it as "[unreadable]" (SONDE_UNREADABLE in sonde/values.h). */
SONDE_INLINE void sonde_unreadable(char* dst) {
  dst[0] = (char)SONDE_UNREADABLE;
  dst[1] = 0;
}

/* String equality over at most `n` bytes (n is a compile-time constant). Each byte goes
 * through an empty asm: without it clang reads every byte ahead and turns the early
 * exits into a chain of selects, i.e. n independent branches, and the verifier walks
 * all 2^n paths of them ("BPF program is too large" past ~20 bytes). */
SONDE_INLINE bool sonde_streq(const char* a, const char* b, __u32 n) {
  for (__u32 i = 0; i < n; i++) {
    char c = a[i];
    asm volatile("" : "+r"(c));
    if (c != b[i]) return false;
    if (c == 0) return true;
  }
  return true;
}

/* The number n decimal digits spell (n at most 18, so it fits), or -1 when one of them
 * is not a digit: digits(s, at, n), e.g. the status of "HTTP/1.1 404". */
SONDE_INLINE __s64 sonde_digits(const char* s, __u32 n) {
  __s64 v = 0;
  for (__u32 i = 0; i < n; i++) {
    char c = s[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

/* Block request operation from rwbs ("R", "WS", "FWFS", "D", "N"...): a leading F
 * is a preflush; the next letter names the operation. */
SONDE_INLINE __u8 sonde_block_op(const char* rwbs) {
  char c = rwbs[0];
  if (c == 'F') {
    c = rwbs[1];
    if (c == 0 || c == 'F' || c == 'N') return SONDE_BLOCK_OP_FLUSH;
  }
  if (c == 'R') return SONDE_BLOCK_OP_READ;
  if (c == 'W') return SONDE_BLOCK_OP_WRITE;
  if (c == 'D') return SONDE_BLOCK_OP_DISCARD;
  return SONDE_BLOCK_OP_OTHER;
}

/* The same classes from a request's cmd_flags: the low 8 bits are the REQ_OP_* (stable
 * uapi-like values since 4.10: READ 0, WRITE 1, FLUSH 2, DISCARD 3). */
SONDE_INLINE __u8 sonde_req_op(__u64 cmd_flags) {
  switch (cmd_flags & 0xff) {
    case 0:
      return SONDE_BLOCK_OP_READ;
    case 1:
      return SONDE_BLOCK_OP_WRITE;
    case 2:
      return SONDE_BLOCK_OP_FLUSH;
    case 3:
      return SONDE_BLOCK_OP_DISCARD;
    default:
      return SONDE_BLOCK_OP_OTHER;
  }
}

#endif
