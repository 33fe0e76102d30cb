// A CO-RE type the kernel's BTF lacks (guarded, as programs written for several
// kernels do): no subset can hold it, so libbpf reads the kernel's BTF itself.
#include "session.h"

struct no_such_kernel_type___s1 {
  int field;
} __attribute__((preserve_access_index));

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void* ctx) {
  record(bpf_core_type_exists(struct no_such_kernel_type___s1));
  return 0;
}
