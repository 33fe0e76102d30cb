// CO-RE against a type the kernel does not have: only a relocation blob that defines it
// lets this load, which proves the blob replaced the kernel BTF.
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct sonde_test_only {
  int first;
  int second;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} offsets SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int read_offset(void* ctx) {
  __u32 key = 0;
  __u64 offset = bpf_core_field_offset(struct sonde_test_only, second);
  bpf_map_update_elem(&offsets, &key, &offset, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
