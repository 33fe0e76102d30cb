// What one BPF program of a statement keeps on the BPF stack, which the kernel caps at
// 512 bytes: sema refuses a statement that would not fit, with its location, instead of
// letting clang fail on the generated C ("the BPF stack limit of 512 bytes is
// exceeded"). The estimate follows how compiler/lower lays a program out; keep the two
// in step:
//  - the map key (one 8-byte slot per number, strings padded to 8, a pid for usym and
//    ustack), the span key, and a span's start record (its timestamp and labels: a
//    span end also holds a copy of it);
//  - a buffer for each string that is compared (a literal needs none) and for each
//    string that is indexed or read by op();
//  - 8 bytes for each value read through a helper into a local: a member through a
//    pointer, an array element, a USDT argument, a saved syscall register.
#pragma once

#include <cstdint>

#include "compiler/sema/checked.h"

namespace sonde::sema {

// The kernel's 512 bytes, less room for what clang spills.
inline constexpr uint32_t kStackBudget = 448;

struct StackUse {
  uint32_t records = 0;  // keys and span records
  uint32_t values = 0;   // string buffers and values read into locals
  uint32_t total() const { return records + values; }
};

StackUse stack_use(const CheckedStatement& statement, const ProbeProgram& program);

}  // namespace sonde::sema
