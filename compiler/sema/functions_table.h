// The functions a program can call whose value is computed in BPF, as the event happens:
// str, op, the casts u8..s64, the byte-order swaps, syscall_arg, startswith, digits. One row each,
// read by the checker, lowering, label naming, REPL completion, hints and `sonde list`.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "compiler/sema/decoders_table.h"

namespace sonde::sema {

enum class FunctionKind : uint8_t {
  kString,      // str(p[, N]): text read through a pointer, or a bounded copy of a string
  kBlockOp,     // op(rwbs | cmd_flags): a block request's operation
  kCast,        // u8(x) .. s64(x): the value at `width` bytes, `is_signed`
  kByteSwap,    // ntohs(x), htonl(x), ...: the low `width` bytes in the other byte order
  kInCgroup,    // in_cgroup("/path"): the task is in that cgroup2 subtree
  kInetAddr,    // inet(family, v4, v6): one 16-byte address of either family, for ntop()
  kSyscallArg,  // syscall_arg(N): argument N of the task's system call, from its saved registers
  kStartsWith,  // startswith(s, "prefix"): the string s begins with the literal
  kDigits,      // digits(s, at, n): the number n decimal digits of s spell, or -1
  kUserU64,     // user_u64(p): the 8 bytes at user address p (a pointer in a user struct)
};

struct FunctionInfo {
  const char* name;
  FunctionKind kind;
  uint8_t min_args;
  uint8_t max_args;
  uint32_t width;  // kCast, kByteSwap
  bool is_signed;  // kCast
  LabelNaming naming;
  bool completed;    // offered by REPL completion
  const char* help;  // for `sonde list`
};

std::span<const FunctionInfo> functions();
const FunctionInfo* find_function(std::string_view name);

}  // namespace sonde::sema
