// Counts the calls of the test process on every hook kind that works here, one slot
// per kind. Only events of `target_tgid` count, so other engineers' load is ignored.
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
// clang-format on

#include "slots.h"

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SLOT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

static __always_inline void add(__u32 slot, __u64 amount) {
  __u64* value = bpf_map_lookup_elem(&counts, &slot);
  if (value) __sync_fetch_and_add(value, amount);
}

static __always_inline int ours(void) { return (bpf_get_current_pid_tgid() >> 32) == target_tgid; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_tracepoint(void* ctx) {
  if (ours()) add(SLOT_TRACEPOINT, 1);
  return 0;
}

SEC("raw_tracepoint/sys_enter")
int on_raw_tracepoint(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] == GETPID_NR && ours()) add(SLOT_RAW_TRACEPOINT, 1);
  return 0;
}

SEC("tp_btf/sys_enter")
int on_btf_tracepoint(__u64* ctx) {
  if (ctx[1] == GETPID_NR && ours()) add(SLOT_BTF_TRACEPOINT, 1);
  return 0;
}

SEC("uprobe")
int on_uprobe(void* ctx) {
  if (ours()) add(SLOT_UPROBE, 1);
  return 0;
}

SEC("uretprobe")
int on_uretprobe(void* ctx) {
  if (ours()) add(SLOT_URETPROBE, 1);
  return 0;
}

SEC("usdt")
int on_usdt(struct pt_regs* ctx) {
  long arg = 0;
  if (!ours()) return 0;
  add(SLOT_USDT, 1);
  if (bpf_usdt_arg(ctx, 0, &arg) == 0) add(SLOT_USDT_ARG_SUM, (__u64)arg);
  return 0;
}

// Any process: the test only needs the sampling clock to fire.
SEC("perf_event")
int on_perf_event(void* ctx) {
  add(SLOT_PERF_EVENT, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
