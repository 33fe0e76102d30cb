#include "compiler/ast/source.h"

#include <fmt/format.h>
#include <algorithm>

namespace sonde::ast {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineColumn SourceFile::position(uint32_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t begin = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
  while (end > begin && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
  return std::string_view(text_).substr(begin, end - begin);
}

std::string_view SourceFile::slice(uint32_t begin, uint32_t end) const {
  begin = std::min<uint32_t>(begin, text_.size());
  end = std::clamp<uint32_t>(end, begin, text_.size());
  return std::string_view(text_).substr(begin, end - begin);
}

uint32_t SourceManager::add(std::string name, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(name), std::move(text)));
  return static_cast<uint32_t>(files_.size() - 1);
}

std::string_view SourceManager::text(const SourceRange& range) const {
  return file(range.file).slice(range.begin, range.end);
}

std::string SourceManager::location(const SourceRange& range) const {
  const SourceFile& f = file(range.file);
  LineColumn p = f.position(range.begin);
  return fmt::format("{}:{}:{}", f.name(), p.line, p.column);
}

}  // namespace sonde::ast
