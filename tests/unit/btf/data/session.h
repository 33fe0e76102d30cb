// Shared by the session test objects: per process (tgid), the getpid calls seen, what
// bpf_core_type_exists said of a type no kernel has, and the tgid read through CO-RE.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct task_struct___s1 {
  int tgid;
} __attribute__((preserve_access_index));

struct seen_value {
  __u64 calls;
  __u64 exists;
  __u64 tgid;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, struct seen_value);
} seen SEC(".maps");

static void record(__u64 exists) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct task_struct___s1* t = (void*)bpf_get_current_task();
  struct seen_value fresh = {};
  struct seen_value* v = bpf_map_lookup_elem(&seen, &tgid);
  if (!v) {
    bpf_map_update_elem(&seen, &tgid, &fresh, BPF_NOEXIST);
    v = bpf_map_lookup_elem(&seen, &tgid);
    if (!v) return;
  }
  __sync_fetch_and_add(&v->calls, 1);
  v->exists = exists;
  v->tgid = BPF_CORE_READ(t, tgid);
}

char LICENSE[] SEC("license") = "GPL";
