// x86_64 syscall numbers by the name of their syscalls:sys_enter_NAME/sys_exit_NAME
// tracepoints, from the UAPI header sonde was built with (linux-libc-dev). The numbers
// are the x86_64 ABI and never change; a syscall newer than the header has none here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sonde::kernel {

struct SyscallNumber {
  const char* name;  // as the header spells it: __NR_<name>
  uint32_t number;
};

// The header's rows, sorted by name (generated: syscall_numbers_table.cpp).
const std::span<const SyscallNumber> syscall_numbers_table();

// The number of the syscall whose tracepoints are named sys_enter_<event>, or nullopt
// when the header does not know it (then the kernel is newer than the header).
std::optional<uint32_t> syscall_number(std::string_view event);

// One more than the largest number in the header.
uint32_t syscall_number_limit();

}  // namespace sonde::kernel
