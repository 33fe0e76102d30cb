#include "tools/sonde/repl/prompt_diagnostics.h"

#include <fmt/format.h>

namespace sonde::repl {

std::string render_under_prompt(const ast::Diagnostics& diags, const ast::SourceManager& sources,
                                uint32_t input_file, size_t indent, bool color) {
  std::string out;
  bool placed = false;  // only the first caret can sit right under the typed line
  for (const auto& d : diags.all()) {
    if (placed || !d.has_range || d.range.file != input_file) {
      out += ast::render_diagnostic(d, sources, color);
      continue;
    }
    placed = true;
    const ast::SourceFile& file = sources.file(input_file);
    ast::LineColumn begin = file.position(d.range.begin);
    size_t width = d.range.end > d.range.begin ? d.range.end - d.range.begin : 1;
    std::string marker(indent + begin.column - 1, ' ');
    marker += '^';
    marker.append(width - 1, '~');
    const char* label = d.severity == ast::Severity::kError     ? "error"
                        : d.severity == ast::Severity::kWarning ? "warning"
                                                                : "note";
    if (color) {
      const char* on = d.severity == ast::Severity::kError     ? "\033[1;31m"
                       : d.severity == ast::Severity::kWarning ? "\033[1;35m"
                                                               : "\033[1;36m";
      out += fmt::format("\033[1;32m{}\033[0m\n{}{}:\033[0m {}\n", marker, on, label, d.message);
    } else {
      out += fmt::format("{}\n{}: {}\n", marker, label, d.message);
    }
    if (!d.hint.empty()) out += fmt::format("hint: {}\n", d.hint);
  }
  return out;
}

}  // namespace sonde::repl
