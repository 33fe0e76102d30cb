// Programs through parse, definitions (with the stdlib), sema and lowering on the
// fixture kernel (tests/fixtures/kernel/): what the compiler decides for a program,
// without compiling the C or touching the running kernel.
#pragma once

#include <memory>
#include <string>

#include "compiler/sema/checked.h"
#include "runtime/spec/program.h"

namespace sonde::lower {

struct Lowered {
  bool ok = false;
  std::string diagnostics;  // rendered, warnings included; empty when there are none
  std::string c_source;
  spec::Program program;
};

Lowered lower_on_fixture(const std::string& source);

// A program checked on the fixture kernel, and what its statements point into.
struct Checked {
  struct Owner;
  std::shared_ptr<Owner> owner;
  bool has_errors = false;
  std::string diagnostics;  // rendered, warnings included; empty when there are none
  sema::CheckedProgram program;
};

Checked check_on_fixture(const std::string& source);

}  // namespace sonde::lower
