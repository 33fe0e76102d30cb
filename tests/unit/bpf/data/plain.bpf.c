// A classic tracepoint counter with no CO-RE relocation: libbpf needs no kernel BTF.
// Order matters: the libbpf headers need the kernel types first.
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
} hits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int count_getpid(void* ctx) {
  __u32 zero = 0;
  __u64* value = bpf_map_lookup_elem(&hits, &zero);
  if (value) *value += 1;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
