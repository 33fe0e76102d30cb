// No CO-RE relocation: libbpf needs no BTF of the kernel's to load it.
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
} calls SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int count(void* ctx) {
  __u32 slot = 0;
  __u64* v = bpf_map_lookup_elem(&calls, &slot);
  if (v) __sync_fetch_and_add(v, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
