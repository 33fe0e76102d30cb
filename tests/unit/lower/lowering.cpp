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

struct Checked::Owner {
  ast::SourceManager sources;
  std::vector<std::unique_ptr<ast::Program>> programs;
  sema::Definitions definitions;
};

Checked check_on_fixture(const std::string& source) {
  Checked out;
  out.owner = std::make_shared<Checked::Owner>();
  ast::SourceManager& sources = out.owner->sources;
  auto& programs = out.owner->programs;
  sema::Definitions& definitions = out.owner->definitions;
  ast::Diagnostics diags;
  for (const auto& f : stdlib::embedded_files()) {
    if (!f.path.ends_with(".sonde")) continue;
    uint32_t file = sources.add("<stdlib>/" + std::string(f.path), std::string(f.text));
    programs.push_back(std::make_unique<ast::Program>(parse::parse(sources, file, diags)));
    definitions.add(*programs.back(), sources, diags);
  }
  uint32_t file = sources.add("<input>", source);
  programs.push_back(std::make_unique<ast::Program>(parse::parse(sources, file, diags)));
  if (!diags.has_errors()) definitions.add(*programs.back(), sources, diags);
  if (!diags.has_errors()) {
    out.program =
        sema::check(*programs.back(), definitions, fixture::fixture_kernel(), sources, diags, {});
  }
  out.diagnostics = diags.render(sources);
  out.has_errors = diags.has_errors();
  return out;
}

Lowered lower_on_fixture(const std::string& source) {
  Lowered out;
  Checked checked = check_on_fixture(source);
  out.diagnostics = checked.diagnostics;
  if (checked.has_errors) return out;
  auto lowered = lower(checked.program, fixture::fixture_kernel(), {});
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
