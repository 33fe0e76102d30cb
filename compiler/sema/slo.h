// `slo` statements checked against the program's metrics: the indicator names
// metrics the program exports, a histogram's threshold is one of its bounds, and the
// labels it selects exist (docs/slo.md).
#pragma once

#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/ast/source.h"
#include "compiler/sema/checked.h"
#include "runtime/spec/program.h"

namespace sonde::sema {

std::vector<spec::Slo> check_slos(const ast::Program& program, const CheckedProgram& metrics,
                                  const ast::SourceManager& sources, ast::Diagnostics& diags);

}  // namespace sonde::sema
