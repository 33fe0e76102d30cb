/* What every generated program starts with: fixed-width types, the few uapi
 * constants sonde uses, and libbpf's helper declarations. Programs are compiled
 * with no system headers, so everything they need is here or generated. */
#ifndef SONDE_PRELUDE_H
#define SONDE_PRELUDE_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void*)0)

/* uapi/linux/bpf.h */
enum {
  BPF_MAP_TYPE_HASH = 1,
  BPF_MAP_TYPE_ARRAY = 2,
  BPF_MAP_TYPE_PROG_ARRAY = 3, /* hook chains (compiler/lower/chain.h) */
  BPF_MAP_TYPE_PERCPU_HASH = 5,
  BPF_MAP_TYPE_PERCPU_ARRAY = 6,
  BPF_MAP_TYPE_STACK_TRACE = 7,
  BPF_MAP_TYPE_CGROUP_ARRAY = 8,
  BPF_MAP_TYPE_LRU_HASH = 9,
  BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
  BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
enum {
  BPF_F_USER_STACK = 1ULL << 8,
  BPF_F_FAST_STACK_CMP = 1ULL << 9,
  BPF_F_REUSE_STACKID = 1ULL << 10
};
#define BPF_F_NO_PREALLOC (1U << 0)
/* errno values returned by helpers, negated. */
#define ENOENT 2
#define E2BIG 7
#define EEXIST 17

/* x86_64 registers as a BPF program sees them (uapi asm/ptrace.h). */
struct pt_regs {
  unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs,
      flags, sp, ss;
};
struct bpf_raw_tracepoint_args {
  __u64 args[0];
};
struct bpf_perf_event_data {
  struct pt_regs regs;
  __u64 sample_period;
  __u64 addr;
};

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define SONDE_INLINE static inline __attribute__((always_inline))

char LICENSE[] SEC("license") = "GPL";

#endif
