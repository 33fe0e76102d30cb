// Every CO-RE type is the kernel's: the session hands libbpf a subset of its BTF.
#include "session.h"

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void* ctx) {
  record(1);
  return 0;
}
