// Programs the verifier rejects, next to one it accepts.
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

// A hash: lookups in arrays with a constant key in range are never NULL to this verifier.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} table SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int out_of_bounds(void* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&values, &key);
  if (!value) return 0;
  // The value holds one u64; the index may reach 15.
  value[bpf_get_prandom_u32() & 15] = 1;
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int missing_null_check(void* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&table, &key);
  *value = 1;
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int fine(void* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&values, &key);
  if (value) __sync_fetch_and_add(value, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
