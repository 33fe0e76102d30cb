// libFuzzer target: program text in, through everything the compiler does in this
// process (parse, definitions, checks against the kernel, lowering to C), the way
// `sonde run` does before it compiles the C. Must never crash, hang or leak, whatever
// the text; diagnostics are the only acceptable answer to nonsense.
//
// The kernel is the fixture (tests/fixtures/kernel/), not the running one: an input
// takes the same path through sema and lowering on every machine, so a crash found
// on one replays on all of them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/diagnostics.h"
#include "compiler/lower/lower.h"
#include "compiler/parse/parser.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/sema.h"
#include "stdlib/embedded.h"
#include "tests/fixtures/kernel/fixture_kernel.h"

namespace {

using namespace sonde;

// Read once: the fixture kernel's types and formats, and the stdlib's definitions.
// Every input gets a fresh SourceManager with the stdlib files at the same indices, so
// nothing from one input outlives it.
struct Base {
  fixture::FixtureKernel kernel;
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::unique_ptr<ast::Program>> programs;
  sema::Definitions definitions;

  Base() {
    ast::SourceManager sources;
    ast::Diagnostics diags;
    for (const auto& f : stdlib::embedded_files()) {
      if (!f.path.ends_with(".sonde")) continue;
      files.emplace_back("<stdlib>/" + std::string(f.path), std::string(f.text));
      uint32_t file = sources.add(files.back().first, files.back().second);
      programs.push_back(std::make_unique<ast::Program>(parse::parse(sources, file, diags)));
      definitions.add(*programs.back(), sources, diags);
    }
    if (diags.has_errors()) __builtin_trap();  // the stdlib itself must check
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Base base;
  ast::SourceManager sources;
  for (const auto& [name, text] : base.files) sources.add(name, text);
  const uint32_t file =
      sources.add("<input>", std::string(reinterpret_cast<const char*>(data), size));

  ast::Diagnostics diags;
  ast::Program program = parse::parse(sources, file, diags);
  if (!diags.has_errors()) {
    sema::Definitions definitions = base.definitions;
    definitions.add(program, sources, diags);
    if (!diags.has_errors()) {
      sema::CheckedProgram checked =
          sema::check(program, definitions, base.kernel, sources, diags, {});
      if (!diags.has_errors() && !checked.statements.empty()) {
        auto lowered = lower::lower(checked, base.kernel, {});
        (void)lowered;
      }
    }
  }
  // Rendering reads every range against the text: out-of-range positions show here.
  (void)diags.render(sources, false);
  (void)diags.render(sources, true);
  return 0;
}
