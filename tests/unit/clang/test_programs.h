// BPF C programs and ELF checks shared by the compile tests.
//
// The few libbpf macros and helper declarations the programs need are defined in an
// in-memory header (<test_helpers.h>) rather than taken from /usr/include/bpf: the
// real bpf_helpers.h pulls in linux/types.h and the asm headers from the host, and
// these tests are about the compiler, not about the installed headers. It also
// exercises include_dirs.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "compiler/clang/compile.h"

namespace sonde::clang_bpf::testing {

inline constexpr const char* kHelpers = R"c(
#pragma once
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
typedef unsigned int __u32;
typedef unsigned long long __u64;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static __u64 (*bpf_get_current_task)(void) = (void *)35;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
)c";

// Counts getpid calls in a per-CPU array and records, per thread id, the task's pid
// read through a CO-RE relocation (equal to the thread id if the relocation worked).
// `variant` changes the program text so that successive compiles differ.
inline std::string core_program(int variant) {
  return R"c(#include <test_helpers.h>

struct task_struct {
  int pid;
  int tgid;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} calls SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u32);
} pids SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx) {
  __u32 zero = 0;
  __u64 *count = bpf_map_lookup_elem(&calls, &zero);
  if (count)
    *count += )c" +
         std::to_string(variant + 1) + R"c(;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  int pid = -1;
  bpf_probe_read_kernel(&pid, sizeof(pid), &task->pid);
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u32 value = pid;
  bpf_map_update_elem(&pids, &tid, &value, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
)c";
}

// A single-file input with the helpers header available as <test_helpers.h>.
inline CompileInput input_for(std::string program) {
  CompileInput input;
  input.files[input.main_file] = std::move(program);
  input.files["/sonde/include/test_helpers.h"] = kHelpers;
  input.include_dirs.push_back("/sonde/include");
  return input;
}

struct ElfInfo {
  bool valid = false;
  uint16_t machine = 0;
  std::set<std::string> sections;
};

// Enough of an ELF64 little-endian reader to check the machine and section names.
ElfInfo read_elf(std::span<const uint8_t> bytes);

}  // namespace sonde::clang_bpf::testing
