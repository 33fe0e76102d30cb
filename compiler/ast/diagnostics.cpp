#include "compiler/ast/diagnostics.h"

#include <fmt/format.h>
#include <algorithm>
#include <cstddef>

namespace sonde::ast {

Diagnostic& Diagnostics::error(SourceRange range, std::string message, std::string hint) {
  ++errors_;
  list_.push_back({Severity::kError, range, std::move(message), std::move(hint), true});
  return list_.back();
}

Rejection Diagnostics::reject(SourceRange range, std::string message, std::string hint,
                              Diagnostic** added) {
  Diagnostic& d = error(range, std::move(message), std::move(hint));
  if (added) *added = &d;
  return Rejection();
}

Diagnostic& Diagnostics::warning(SourceRange range, std::string message, std::string hint) {
  list_.push_back({Severity::kWarning, range, std::move(message), std::move(hint), true});
  return list_.back();
}

Diagnostic& Diagnostics::note(SourceRange range, std::string message) {
  list_.push_back({Severity::kNote, range, std::move(message), {}, true});
  return list_.back();
}

Diagnostic& Diagnostics::error_global(std::string message, std::string hint) {
  ++errors_;
  list_.push_back({Severity::kError, {}, std::move(message), std::move(hint), false});
  return list_.back();
}

Diagnostic& Diagnostics::warning_global(std::string message, std::string hint) {
  list_.push_back({Severity::kWarning, {}, std::move(message), std::move(hint), false});
  return list_.back();
}

void Diagnostics::expanded_at(size_t from, SourceRange use, const std::string& note) {
  for (size_t i = from; i < list_.size(); ++i) {
    Diagnostic& d = list_[i];
    if (d.severity != Severity::kError || !d.has_range) continue;
    const SourceRange inside = d.range;
    d.range = use;
    if (note.empty()) continue;
    list_.insert(list_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                 Diagnostic{Severity::kNote, inside, note, {}, true});
    ++i;
  }
}

void Diagnostics::clear() {
  list_.clear();
  errors_ = 0;
}

std::string render_diagnostic(const Diagnostic& d, const SourceManager& sources, bool color) {
  const char* label = d.severity == Severity::kError     ? "error"
                      : d.severity == Severity::kWarning ? "warning"
                                                         : "note";
  const char* on = "";
  const char* off = "";
  if (color) {
    on = d.severity == Severity::kError     ? "\033[1;31m"
         : d.severity == Severity::kWarning ? "\033[1;35m"
                                            : "\033[1;36m";
    off = "\033[0m";
  }
  std::string out;
  if (!d.has_range || d.range.file >= sources.size()) {
    out = fmt::format("{}{}:{} {}\n", on, label, off, d.message);
  } else {
    const SourceFile& file = sources.file(d.range.file);
    LineColumn begin = file.position(d.range.begin);
    out = fmt::format("{}:{}:{}: {}{}:{} {}\n", file.name(), begin.line, begin.column, on, label,
                      off, d.message);
    std::string_view line = file.line_text(begin.line);
    out += fmt::format("{}\n", line);
    // Underline: caret at the start, tildes to the end of the range on this line.
    uint32_t col = begin.column - 1;
    uint32_t width = 1;
    if (d.range.end > d.range.begin) {
      LineColumn end = file.position(d.range.end - 1);
      width = end.line == begin.line ? end.column - begin.column + 1
                                     : static_cast<uint32_t>(line.size()) - col;
    }
    std::string marker;
    for (uint32_t i = 0; i < col && i < line.size(); ++i) marker += line[i] == '\t' ? '\t' : ' ';
    marker += '^';
    marker.append(std::max<uint32_t>(width, 1) - 1, '~');
    out += fmt::format("{}{}{}\n", color ? "\033[1;32m" : "", marker, color ? "\033[0m" : "");
  }
  if (!d.hint.empty()) out += fmt::format("hint: {}\n", d.hint);
  return out;
}

std::string Diagnostics::render(const SourceManager& sources, bool color) const {
  std::string out;
  for (const auto& d : list_) out += render_diagnostic(d, sources, color);
  return out;
}

}  // namespace sonde::ast
