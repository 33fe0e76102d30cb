// The whole compiler behind one call: text -> AST -> checked program -> C -> BPF
// object + metric specification. Long-lived: a REPL keeps one Compiler so that the
// stdlib, kernel BTF and tracepoint formats are read once.
#pragma once

#include <memory>
#include <string>

#include "compiler/ast/diagnostics.h"
#include "compiler/ast/source.h"
#include "compiler/driver/compile_cache.h"
#include "compiler/lower/chain.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/kernel_info.h"
#include "compiler/sema/sema.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::driver {

struct Options {
  sema::Options sema;
  bool use_stdlib = true;
  CacheOptions cache;  // compiled objects reused across runs (compile_cache.h)
  // The kernel programs are checked against; null: the running one.
  std::shared_ptr<sema::KernelInfo> kernel;
};

// One compilation's outcome. `ok` is false when the program has errors; they are in
// `diagnostics` (rendered with `render()`), never thrown.
struct Compilation {
  bool ok = false;
  std::string c_source;
  spec::Program program;
  std::string warnings;  // rendered, for successful compiles
  bool cached = false;   // the object came from the compile cache
};

class Compiler {
 public:
  explicit Compiler(Options options = {});
  ~Compiler();

  // Parse and check only (sonde check).
  bool check(const std::string& name, const std::string& text);
  // Up to the C source (sonde emit-c).
  bool emit_c(const std::string& name, const std::string& text, std::string& c_source);
  // Up to the spec, without the BPF object (sonde rules, sonde dashboard).
  Compilation lower(const std::string& name, const std::string& text) {
    return run(name, text, false);
  }
  // Everything, including the BPF object. System failures (the C compiler crashed, no
  // BTF) are reported as diagnostics too, without a location.
  Compilation compile(const std::string& name, const std::string& text) {
    return run(name, text, true);
  }

  // Diagnostics of the last call, rendered clang-style.
  std::string render(bool color = false) const;
  const ast::Diagnostics& diagnostics() const { return diags_; }
  const ast::SourceManager& sources() const { return *sources_; }

  // Definitions known so far (stdlib, used files, and, in a REPL, earlier input).
  const sema::Definitions& definitions() const { return definitions_; }
  sema::KernelInfo& kernel() { return *kernel_; }
  // Keep the definitions of the last successfully checked input (the REPL does).
  void set_keep_definitions(bool keep) { keep_definitions_ = keep; }
  // Numbers the metric statements of the next inputs from `index` on (the REPL's
  // statement numbers, which also name maps and programs).
  void set_first_statement(uint32_t index) { options_.sema.first_statement = index; }
  // Reads the stdlib now instead of at the first input (the REPL completes its names).
  void load_stdlib();
  // The REPL: the next inputs' programs join their hooks' chains (lower/chain.h) where
  // `chain` gives them a slot; an empty function stops it.
  void set_chain(lower::ChainSlots chain) { chain_ = std::move(chain); }
  // C written by sonde itself (a chain's dispatcher, lower::dispatcher_c) -> BPF object,
  // with the stdlib's headers.
  Result<std::vector<uint8_t>> compile_c(const std::string& c_source);

 private:
  Compilation run(const std::string& name, const std::string& text, bool build_object);
  bool front_end(const std::string& name, const std::string& text, sema::CheckedProgram& checked);
  bool load_uses(const ast::Program& program, uint32_t file, sema::Definitions& defs, int depth);
  class BtfWarmUp;

  Options options_;
  std::unique_ptr<ast::SourceManager> sources_;
  ast::Diagnostics diags_;
  std::shared_ptr<sema::KernelInfo> kernel_;
  sema::Definitions definitions_;
  std::vector<std::unique_ptr<ast::Program>> programs_;  // own every AST definitions point into
  CompileCache cache_;
  bool stdlib_loaded_ = false;
  bool btf_warmed_ = false;
  bool keep_definitions_ = false;
  bool cache_problem_said_ = false;
  uint32_t compiles_ = 0;
  lower::ChainSlots chain_;
};

}  // namespace sonde::driver
