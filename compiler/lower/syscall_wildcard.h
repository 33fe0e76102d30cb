// A statement on many syscalls:sys_enter_NAME (or sys_exit_NAME) tracepoints lowered as
// one program on raw_syscalls' raw tracepoint, which looks the syscall's number up in a
// table of the selected ones: one link to attach and detach instead of one per syscall
// (the kernel waits for RCU once per link it detaches: ~24 ms each here), at the price of
// the raw hook running for every syscall (docs/performance.md, "Syscall wildcards").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/sema/checked.h"

namespace sonde::lower {

struct SyscallWildcard {
  bool exit = false;              // sys_exit_* (else sys_enter_*)
  std::vector<size_t> programs;   // the statement's programs the raw one replaces
  std::vector<uint32_t> numbers;  // their syscall numbers, in the same order
  uint32_t limit = 0;             // the table's size: one more than the largest number
};

// The programs of `s` that one raw program can replace, when there are at least
// `threshold` of them (lower::Options, from docs/performance.md); nullopt otherwise.
// Programs whose syscall has no number (newer than the header sonde was built with) or
// shares one with another stay per event. The caller lowers each body for the raw hook
// (FunctionBuilder::set_syscall_wildcard) and keeps per event those it cannot.
std::optional<SyscallWildcard> syscall_wildcard(const sema::CheckedStatement& s, size_t threshold);

}  // namespace sonde::lower
