// A program the verifier rejects, under the name sonde gives the first probe of a
// program (sonde_s0_p0): verifier_test.cpp puts it in a bundle in place of the object
// sonde built, so that a real rejection goes through sonde's load path. sonde's own
// lowering never writes out of bounds, which is why this is written by hand. Its maps
// are the ones sonde declares for `count` (a one-slot per-CPU array, the drop counters
// and the overflow series), so that the bundle passes sonde-agent's validation and
// reaches the kernel.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} sonde_m0 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} sonde_drops SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} sonde_overflow SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int sonde_s0_p0(void* ctx) {
  __u32 key = 0;
  __u64* counts = bpf_map_lookup_elem(&sonde_m0, &key);
  if (!counts) return 0;
  counts[bpf_get_prandom_u32() & 15] += 1;  // the value holds one counter, not 16
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
