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

// Proof that an error was reported. Only Diagnostics makes one, when it adds the error,
// so a check that rejects by returning it (sema::Verdict) cannot reject in silence.
class [[nodiscard]] Rejection {
 private:
  friend class Diagnostics;
  Rejection() = default;
};

class Diagnostics {
 public:
  Diagnostic& error(SourceRange range, std::string message, std::string hint = {});
  // error(), for a check that rejects: `return diags.reject(...)`. `added`, when given,
  // points at the error added, for notes or changes made after it.
  Rejection reject(SourceRange range, std::string message, std::string hint = {},
                   Diagnostic** added = nullptr);
  Diagnostic& warning(SourceRange range, std::string message, std::string hint = {});
  Diagnostic& note(SourceRange range, std::string message);
  // An error with no location in the source (e.g. "empty program").
  Diagnostic& error_global(std::string message, std::string hint = {});
  Diagnostic& warning_global(std::string message, std::string hint = {});

  // The errors added since all()[from] happened inside a definition (an alias, a span
  // label) expanded at `use`: each moves to `use`, and, when `note` is not empty, a note
  // after it points where it was. Called at each level of an expansion, innermost first,
  // the notes read from the use inwards, as a compiler's "expanded from" chain does.
  void expanded_at(size_t from, SourceRange use, const std::string& note);

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
