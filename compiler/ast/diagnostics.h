// Diagnostics as data: what went wrong, where, and what to do about it. Passes add
// them; the driver decides when to stop; printing happens once, at the edge.
#pragma once

#include <string>
#include <vector>

#include "compiler/ast/source.h"

namespace sonde::ast {

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceRange range;
  std::string message;
  std::string hint;  // optional: printed as "hint: ..." under the source line
  bool has_range = true;
};

class Diagnostics {
 public:
  Diagnostic& error(SourceRange range, std::string message, std::string hint = {});
  Diagnostic& warning(SourceRange range, std::string message, std::string hint = {});
  Diagnostic& note(SourceRange range, std::string message);
  // An error with no location in the source (e.g. "empty program").
  Diagnostic& error_global(std::string message, std::string hint = {});
  Diagnostic& warning_global(std::string message, std::string hint = {});

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return list_; }
  void clear();

  // Clang style:
  //   <input>:1:42: error: unknown field 'fnction' in tracepoint:timer:timer_start
  //   on tracepoint:timer:timer_start count by ksym(fnction)
  //                                                 ^~~~~~~
  //   hint: ...
  std::string render(const SourceManager& sources, bool color = false) const;

 private:
  std::vector<Diagnostic> list_;
  size_t errors_ = 0;
};

std::string render_diagnostic(const Diagnostic& d, const SourceManager& sources, bool color);

}  // namespace sonde::ast
