// Checked program -> BPF C source and the metric specification the runtime needs.
// The C stays thin: map updates, bucketing and span bookkeeping are calls into the
// stdlib headers (stdlib/bpf/sonde/runtime.h).
#pragma once

#include <string>

#include "compiler/lower/chain.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/kernel_info.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::lower {

struct Options {
  // Suffix of generated CO-RE type names; unique per compile in long-lived processes
  // (see the LLVM CO-RE cache bug in docs/toolchain.md).
  std::string type_suffix = "___sonde";
  uint32_t span_capacity = 10240;
  // A statement on this many syscalls:sys_enter_*/sys_exit_* tracepoints or more is one
  // program on raw_syscalls (syscall_wildcard.h). 13: a classic tracepoint costs ~64 ms
  // to attach and detach (the detach's RCU wait), so 12 of them stay within 1 s, while
  // the raw hook costs every syscall not selected ~120 ns (docs/performance.md).
  size_t syscall_wildcard_threshold = 13;
  // Statements on one hook (same section, context and attach target) share one program
  // that runs each one's body in turn: the hook, its trampoline and prologue are paid
  // once per event. Off: a program per statement's probe (the bench compares the two,
  // SONDE_SEPARATE_PROGRAMS=1 in the driver).
  bool share_hooks = true;
  // The REPL: asked for a slot in the chain of each hook the statement's programs attach
  // to (chain.h); a program given one is tail-called by the hook's dispatcher.
  ChainSlots chain;
  // In a shared program, what several bodies read or test alike (event values, a
  // predicate) is read or tested once (shared_values.h). Off: each body computes its own
  // (the bench compares the two, SONDE_SHARED_VALUES=0 in the driver).
  bool share_values = true;
};

struct Output {
  std::string c_source;
  spec::Program program;  // everything but the object: filled after compiling
};

Result<Output> lower(const sema::CheckedProgram& checked, sema::KernelInfo& kernel,
                     const Options& options);

}  // namespace sonde::lower
