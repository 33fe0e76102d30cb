// Source text and positions. Positions are byte offsets into one file; line and
// column are computed only when a diagnostic is printed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::ast {

struct SourceRange {
  uint32_t file = 0;   // index in SourceManager
  uint32_t begin = 0;  // byte offset
  uint32_t end = 0;    // one past the last byte
};

struct LineColumn {
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in bytes
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  LineColumn position(uint32_t offset) const;
  std::string_view line_text(uint32_t line) const;  // without the newline
  std::string_view slice(uint32_t begin, uint32_t end) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

// Every file of a compile (the program, stdlib files, `use`d files). Files are
// never removed, so indices and references stay valid.
class SourceManager {
 public:
  uint32_t add(std::string name, std::string text);
  const SourceFile& file(uint32_t index) const { return *files_.at(index); }
  size_t size() const { return files_.size(); }
  std::string_view text(const SourceRange& range) const;
  // "<input>:1:4"
  std::string location(const SourceRange& range) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace sonde::ast
