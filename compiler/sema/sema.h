// Checks a parsed program against the running kernel and its definitions:
// ast::Program -> CheckedProgram (or diagnostics).
#pragma once

#include <cstdint>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/kernel_info.h"

namespace sonde::sema {

inline constexpr uint64_t kDefaultWindowNs = 60'000'000'000;

struct Options {
  uint32_t default_capacity = 10240;  // keys per map when a statement gives no `capacity`
  uint32_t span_capacity = 10240;     // spans in flight per span statement
  uint32_t first_statement = 0;       // index of the first metric statement (the REPL numbers on)
  // min and max show the extreme of the current window of this length and the one before.
  uint64_t minmax_window_ns = kDefaultWindowNs;
  // `print` statements: events are for exploration (sonde run, the REPL); a bundle for
  // sonde-agent exports metrics only, so `sonde build` turns this off.
  bool events = true;
};

CheckedProgram check(const ast::Program& program, const Definitions& definitions,
                     KernelInfo& kernel, const ast::SourceManager& sources, ast::Diagnostics& diags,
                     const Options& options);

// Limits, shared with the messages that mention them.
inline constexpr uint32_t kMaxCapacity = 10'000'000;
inline constexpr size_t kMaxLabels = 16;
inline constexpr size_t kMaxNameLength = 200;  // metric and label names

}  // namespace sonde::sema
