// The value-name tables in a tracepoint's print format:
//   __print_symbolic(REC->state, { 1, "TCP_ESTABLISHED" }, ...)
//   __print_flags(REC->flags & MASK, "|", { 0x40000, "M" }, ...)
// Values are C constant expressions as the preprocessor left them ("(1UL << 3)",
// "( unsigned long)(( gfp_t)((((1UL))) << (2)))", "-22"), sometimes enum names the
// kernel did not export ("TCP_ESTABLISHED"), which a resolver may supply from BTF.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/kernel/tracefs.h"

namespace sonde::kernel {

struct PrintTable {
  std::string field;                  // the REC->field the table describes
  bool flags = false;                 // __print_flags (bits) rather than __print_symbolic (values)
  std::vector<SymbolicValue> values;  // entries whose value could not be evaluated are left out
};

// Tables whose subject is a plain record field: `REC->f` (parenthesized or cast), and
// for flags also `REC->f & MASK`. Tables over derived values (`(REC->ioprio >> 13) & 7`)
// describe no field and are skipped.
std::vector<PrintTable> parse_print_tables(std::string_view print_fmt,
                                           const ConstantResolver& resolve = {});

// Evaluates a C integer constant expression (literals with suffixes, casts, unary and
// binary arithmetic, shifts, bit operators, names through `resolve`).
std::optional<int64_t> evaluate_constant(std::string_view expression,
                                         const ConstantResolver& resolve = {});

}  // namespace sonde::kernel
