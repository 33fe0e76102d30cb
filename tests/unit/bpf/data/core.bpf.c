// CO-RE: reads the current task's tgid through a one-field task_struct, relocated at
// load time against the kernel BTF or a relocation blob.
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct task_struct {
  int tgid;
} __attribute__((preserve_access_index));

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} seen SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int read_tgid(void* ctx) {
  if ((bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  __u32 key = 0;
  __u64 tgid = (__u64)BPF_CORE_READ(task, tgid);
  bpf_map_update_elem(&seen, &key, &tgid, BPF_ANY);
  key = 1;
  __u64 offset = bpf_core_field_offset(struct task_struct, tgid);
  bpf_map_update_elem(&seen, &key, &offset, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
