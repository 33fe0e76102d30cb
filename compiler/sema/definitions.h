// Definitions visible to a program: spans, events and aliases from stdlib/, from
// `use`d files and from the program itself.
#pragma once

#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"

namespace sonde::sema {

class Definitions {
 public:
  // Adds the definitions of `program`; reports duplicates.
  void add(const ast::Program& program, const ast::SourceManager& sources, ast::Diagnostics& diags);

  const std::vector<const ast::SpanDef*>& spans() const { return spans_; }
  const std::vector<const ast::EventDef*>& events() const { return events_; }
  const std::vector<const ast::AliasDef*>& aliases() const { return aliases_; }

  const ast::EventDef* event(const std::string& name) const;
  // The span whose words match (`$param` words match any one word); fills `params`.
  const ast::SpanDef* span(const std::vector<std::string>& words,
                           std::vector<std::pair<std::string, std::string>>& params) const;
  static std::string span_name(const ast::SpanDef& def);  // "syscall $name"

 private:
  std::vector<const ast::SpanDef*> spans_;
  std::vector<const ast::EventDef*> events_;
  std::vector<const ast::AliasDef*> aliases_;
};

}  // namespace sonde::sema
