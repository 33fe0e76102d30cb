// A CO-RE type no kernel has: the subset cannot be built, libbpf must look itself.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
// clang-format on

struct no_such_kernel_type___s1 {
  int field;
} __attribute__((preserve_access_index));

SEC("tracepoint/syscalls/sys_enter_getpid")
int missing(void* ctx) { return bpf_core_type_exists(struct no_such_kernel_type___s1); }

char LICENSE[] SEC("license") = "GPL";
