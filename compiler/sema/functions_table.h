// The functions a program can call whose value is computed in BPF, as the event happens:
// str, op, the casts u8..s64 and the byte-order swaps. One row each, read by the checker,
// lowering, label naming, REPL completion, hints and `sonde list`.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "compiler/sema/decoders_table.h"

namespace sonde::sema {

enum class FunctionKind : uint8_t {
  kString,    // str(p[, N]): text read through a pointer, or a bounded copy of a string
  kBlockOp,   // op(rwbs | cmd_flags): a block request's operation
  kCast,      // u8(x) .. s64(x): the value at `width` bytes, `is_signed`
  kByteSwap,  // ntohs(x), htonl(x), ...: the low `width` bytes in the other byte order
  kInCgroup,  // in_cgroup("/path"): the task is in that cgroup2 subtree
  kInetAddr,  // inet(family, v4, v6): one 16-byte address of either family, for ntop()
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
