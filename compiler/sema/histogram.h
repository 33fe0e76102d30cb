// A histogram statement's bucket scheme, as written, checked and turned into the list
// of bounds the kernel buckets with and the runtime exports.
#pragma once

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/ast/source.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/verdict.h"
#include "runtime/spec/program.h"

namespace sonde::sema {

// The most bounds `buckets(...)` takes.
inline constexpr uint32_t kMaxExplicitBounds = 64;

// Fills `out` from the scheme of `a`. `unit` is what the values measure; values without
// a unit take the one the bounds are written in (`buckets(1ms, 5ms)` makes them
// nanoseconds). Rejected, with a located error, when the scheme is not valid for them.
Verdict check_histogram(const ast::Aggregation& a, const ast::SourceManager& sources,
                        ast::Diagnostics& diags, spec::Unit& unit, Buckets& out);

}  // namespace sonde::sema
