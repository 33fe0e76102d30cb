// A relocation that asks for a kernel type id (as bpf_snprintf_btf callers do): only the
// kernel's own BTF numbers types that way.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct task_struct___s1 {
  int pid;
} __attribute__((preserve_access_index));

SEC("tracepoint/syscalls/sys_enter_getpid")
int type_id(void* ctx) { return bpf_core_type_id_kernel(struct task_struct___s1) != 0; }

char LICENSE[] SEC("license") = "GPL";
