// A BPF program that reads a task's identity, its parent, a field of an embedded struct
// and its name through emitted declarations (struct task_struct___s7), and the record it
// fills: the type emitter's and the relocation BTF's tests both compile, load and run it.
#pragma once

#include <cstdint>
#include <string_view>

namespace sonde::testing_programs {

constexpr std::string_view kTaskProgram = R"(
#define SEC(name) __attribute__((section(name), used))
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
static __u64 (*bpf_get_current_task)(void) = (void *)35;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;

struct out {
  __u32 target_tgid;
  __u32 hits;
  __s32 pid;
  __s32 tgid;
  __s32 parent_tgid;
  __u32 flags;
  __u64 vruntime;
  char comm[16];
};
struct out out;

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe(void *ctx) {
  if ((bpf_get_current_pid_tgid() >> 32) != out.target_tgid) return 0;
  struct task_struct___s7 *task = (struct task_struct___s7 *)bpf_get_current_task();
  struct task_struct___s7 *parent = 0;
  bpf_probe_read_kernel(&out.pid, sizeof(out.pid), &task->pid);
  bpf_probe_read_kernel(&out.tgid, sizeof(out.tgid), &task->tgid);
  bpf_probe_read_kernel(out.comm, sizeof(out.comm), task->comm);
  bpf_probe_read_kernel(&parent, sizeof(parent), &task->real_parent);
  bpf_probe_read_kernel(&out.parent_tgid, sizeof(out.parent_tgid), &parent->tgid);
  bpf_probe_read_kernel(&out.flags, sizeof(out.flags), &task->flags);
  bpf_probe_read_kernel(&out.vruntime, sizeof(out.vruntime), &task->se.vruntime);
  out.hits++;
  return 0;
}
char LICENSE[] SEC("license") = "GPL";
)";
;

struct TaskOut {
  uint32_t target_tgid;
  uint32_t hits;
  int32_t pid;
  int32_t tgid;
  int32_t parent_tgid;
  uint32_t flags;
  uint64_t vruntime;
  char comm[16];
};

}  // namespace sonde::testing_programs
