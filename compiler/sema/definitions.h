// Definitions visible to a program: spans, events and aliases from stdlib/, from
// `use`d files and from the program itself.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"

namespace sonde::sema {

class Definitions {
 public:
  using SpanParams = std::vector<std::pair<std::string, std::string>>;  // (name, value)

  // Adds the definitions of `program`; reports duplicates.
  void add(const ast::Program& program, const ast::SourceManager& sources, ast::Diagnostics& diags);

  const std::vector<const ast::SpanDef*>& spans() const { return spans_; }
  const std::vector<const ast::EventDef*>& events() const { return events_; }
  const std::vector<const ast::AliasDef*>& aliases() const { return aliases_; }

  const ast::EventDef* event(const std::string& name) const;
  // The span whose words match (`$param` words match any one word); fills `params`.
  const ast::SpanDef* span(const std::vector<std::string>& words, SpanParams& params) const;
  static std::string span_name(const ast::SpanDef& def);  // "syscall $name"

 private:
  std::vector<const ast::SpanDef*> spans_;
  std::vector<const ast::EventDef*> events_;
  std::vector<const ast::AliasDef*> aliases_;
};

// `text` (a span endpoint's probe) with each `$name` of `params` replaced by its value.
// A parameter is a whole name as the grammar's PARAM token reads it, so `$fd` leaves
// `$fdx` alone; a `$` not followed by a parameter of `params` stays as written, and a
// value is never scanned again. Sema and the REPL's completion both substitute here.
std::string substitute_params(std::string_view text, const Definitions::SpanParams& params);

}  // namespace sonde::sema
