// CO-RE relocations of every kind sonde's programs use and more: field offsets through
// nested and anonymous members, pointer chains, arrays, bitfields, field sizes and
// existence, type sizes and enum values. relocation_btf_test loads it against the
// whole kernel BTF and against the subset, and compares what the kernel was given.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct trace_event_raw_block_rq___s1 {
  __u32 dev;
  __u64 sector;
  char rwbs[8];
} __attribute__((preserve_access_index));

struct list_head___s1 {
  struct list_head___s1* next;
} __attribute__((preserve_access_index));

struct sched_entity___s1 {
  __u64 vruntime;
  struct list_head___s1 group_node;
} __attribute__((preserve_access_index));

struct task_struct___s1 {
  int pid;
  int tgid;
  char comm[16];
  struct task_struct___s1* real_parent;
  struct sched_entity___s1 se;
  unsigned int sched_contributes_to_load : 1;
} __attribute__((preserve_access_index));

struct sock_common___s1 {
  __u32 skc_daddr;  // inside an anonymous union and struct in the kernel
  __u16 skc_dport;
} __attribute__((preserve_access_index));

struct sock___s1 {
  struct sock_common___s1 __sk_common;
} __attribute__((preserve_access_index));

enum tcp_ca_state___s1 { TCP_CA_Loss___s1 = 42 };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} out SEC(".maps");

static void put(__u32 slot, __u64 value) { bpf_map_update_elem(&out, &slot, &value, BPF_ANY); }

SEC("tracepoint/block/block_rq_issue")
int block(struct trace_event_raw_block_rq___s1* ctx) {
  put(0, ctx->dev);
  put(1, ctx->sector);
  put(2, bpf_core_field_offset(ctx->rwbs));
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int task(void* ctx) {
  struct task_struct___s1* t = (void*)bpf_get_current_task();
  put(3, BPF_CORE_READ(t, pid));
  put(4, BPF_CORE_READ(t, real_parent, tgid));
  put(5, BPF_CORE_READ(t, se.vruntime));
  put(6, (__u64)BPF_CORE_READ(t, se.group_node.next));
  put(7, BPF_CORE_READ_BITFIELD_PROBED(t, sched_contributes_to_load));
  put(8, bpf_core_field_size(t->comm));
  put(9, bpf_core_field_exists(t->tgid));
  put(10, bpf_core_type_size(struct task_struct___s1));
  put(11, bpf_core_enum_value(enum tcp_ca_state___s1, TCP_CA_Loss___s1));
  struct sock___s1* sk = (void*)0;
  put(12, bpf_core_field_offset(sk->__sk_common.skc_daddr));
  put(13, bpf_core_field_offset(sk->__sk_common.skc_dport));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
