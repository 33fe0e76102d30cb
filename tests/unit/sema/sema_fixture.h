// Checks programs as the compiler does up to lowering (parse, definitions, sema), keeping
// the ASTs alive for the checked result. The kernel is the fixture
// (tests/fixtures/kernel/) unless a test asks for the running one: exact diagnostics and
// types are the same on every machine.
#pragma once

#include <memory>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/ast/source.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/kernel_info.h"

namespace sonde::sema {

// This test binary, which defines sonde_sema_probed() and the USDT probe sonde:tick.
std::string self_path();

// `text` with every "{SELF}" replaced by self_path().
std::string with_self(std::string text);

// One kernel view of each sort for every test: BTF and tracepoint formats are read once.
KernelInfo& shared_kernel();   // the fixture
KernelInfo& running_kernel();  // the machine's, for smoke tests

class Checker {
 public:
  explicit Checker(KernelInfo& kernel = shared_kernel()) : kernel_(kernel) {}

  // Parses and checks `source`, with "{SELF}" replaced by self_path(). Returns the
  // rendered diagnostics (warnings included), empty when there are none.
  std::string check(const std::string& source);
  const CheckedProgram& result() const { return result_; }
  const ast::SourceManager& sources() const { return sources_; }
  const Definitions& definitions() const { return definitions_; }

 private:
  KernelInfo& kernel_;
  ast::SourceManager sources_;
  ast::Diagnostics diags_;
  std::unique_ptr<ast::Program> program_;
  Definitions definitions_;
  CheckedProgram result_;
};

}  // namespace sonde::sema
