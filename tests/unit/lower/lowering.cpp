#include "tests/unit/lower/lowering.h"

#include <memory>
#include <vector>

#include "compiler/ast/diagnostics.h"
#include "compiler/lower/lower.h"
#include "compiler/parse/parser.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/sema.h"
#include "stdlib/embedded.h"
#include "tests/fixtures/kernel/fixture_kernel.h"

namespace sonde::lower {

Lowered lower_on_fixture(const std::string& source) {
  Lowered out;
  ast::SourceManager sources;
  ast::Diagnostics diags;
  std::vector<std::unique_ptr<ast::Program>> programs;
  sema::Definitions definitions;
  for (const auto& f : stdlib::embedded_files()) {
    if (!f.path.ends_with(".sonde")) continue;
    uint32_t file = sources.add("<stdlib>/" + std::string(f.path), std::string(f.text));
    programs.push_back(std::make_unique<ast::Program>(parse::parse(sources, file, diags)));
    definitions.add(*programs.back(), sources, diags);
  }
  uint32_t file = sources.add("<input>", source);
  programs.push_back(std::make_unique<ast::Program>(parse::parse(sources, file, diags)));
  if (!diags.has_errors()) definitions.add(*programs.back(), sources, diags);
  sema::CheckedProgram checked;
  if (!diags.has_errors()) {
    checked =
        sema::check(*programs.back(), definitions, fixture::fixture_kernel(), sources, diags, {});
  }
  out.diagnostics = diags.render(sources);
  if (diags.has_errors()) return out;
  auto lowered = lower(checked, fixture::fixture_kernel(), {});
  if (!lowered) {
    out.diagnostics += lowered.error().message;
    return out;
  }
  out.ok = true;
  out.c_source = std::move(lowered->c_source);
  out.program = std::move(lowered->program);
  return out;
}

}  // namespace sonde::lower
