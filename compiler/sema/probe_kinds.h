// The probe kinds, one row each (bpftrace's PROBE_LIST is the model): how a probe is
// written and resolved, how it attaches, what its program's context is and where its
// arguments come from, what it offers to expressions and whether `sonde list` shows it.
// The resolver, the checker, lowering, the catalog and REPL completion read this table.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "runtime/spec/program.h"

namespace sonde::sema {

// How the parts after the kind are read and resolved (compiler/sema/probes.cpp).
enum class ProbeForm : uint8_t {
  kTracepoint,      // CATEGORY:NAME, from tracefs
  kRawTracepoint,   // NAME, typed by the kernel's BTF (btf_trace_NAME)
  kUserFunction,    // PATH:SYMBOL
  kUsdt,            // PATH:PROVIDER:NAME
  kProfile,         // UNIT:N, a CPU-clock timer on every CPU
  kPerfEvent,       // EVENT[:PERIOD], from the row's event table
  kKernelFunction,  // FUNCTION, typed by the kernel's BTF
};

// Where a program reads the probed function's arguments and return value.
enum class ArgAccess : uint8_t {
  kNone,        // tracepoints (named fields of the record) and perf events
  kRegisters,   // pt_regs: di, si, dx, cx, r8, r9; the return value in ax
  kUsdtSpec,    // bpf_usdt_arg(), as the probe's note describes each argument
  kRawArgs,     // ctx->args[i], each stored zero-extended to 64 bits
  kTrampoline,  // ctx[i] (fentry, fexit); the return value follows the arguments
};

// Perf events by name ("software:page-faults", "hardware:cycles").
struct PerfEventName {
  const char* name;
  const char* alias;  // or nullptr
  uint64_t config;
  uint64_t default_period;
};

struct ProbeKindInfo {
  const char* name;                    // "tracepoint"
  std::array<const char*, 2> aliases;  // "tp", "t"; nullptr when fewer
  ProbeForm form;
  const char* usage;  // "tracepoint:CATEGORY:NAME", for hints
  spec::AttachKind attach;
  // The program's section, its context parameter, and the attach target, with {name},
  // {category}, {symbol} of the resolved probe.
  const char* section;
  const char* context;
  const char* target;
  ArgAccess args;
  bool arg_builtins;   // arg0..arg5
  bool retval;         // retval
  bool at_return;      // at a function's return, where its argument registers are gone
  bool named_args;     // the function's arguments by name and type (from BTF)
  bool user_memory;    // pointers it reads point into user memory
  bool listed;         // `sonde list` shows its probes without being asked by kind
  uint32_t perf_type;  // kProfile, kPerfEvent
  std::span<const PerfEventName> events;  // kPerfEvent
  // What the `func` builtin names, as `target`: the function, event or USDT probe
  // ("{symbol}", "{name}"); nullptr when the probe has no name part (profile:hz:99).
  const char* func;
};

std::span<const ProbeKindInfo> probe_kinds();
// The kind spelled `name` (in full or as an alias), or nullptr.
const ProbeKindInfo* find_probe_kind(std::string_view name);
// The probe text with its kind spelled in full ("t:timer:x" -> "tracepoint:timer:x").
std::string canonical_probe_text(const std::string& text);

}  // namespace sonde::sema
