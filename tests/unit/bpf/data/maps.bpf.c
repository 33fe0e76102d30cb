// Maps of every kind the collector reads, and programs that fill the ones user space
// cannot (stack traces, ring buffer records).
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

const volatile __u32 target_tgid = 0;

struct pair {
  __u32 a;
  __u32 b;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 100000);
  __type(key, struct pair);
  __type(value, __u64);
} per_cpu_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} plain_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} per_cpu_array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 64);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __s64);
} last_stack SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int record(void* ctx) {
  if ((bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
  __u32 zero = 0;
  __s64 id = bpf_get_stackid(ctx, &stacks, 0);
  bpf_map_update_elem(&last_stack, &zero, &id, BPF_ANY);
  __u64* record = bpf_ringbuf_reserve(&events, sizeof(__u64), 0);
  if (record) {
    *record = bpf_ktime_get_ns();
    bpf_ringbuf_submit(record, 0);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
