#include "tools/sonde/repl/input_text.h"

#include "support/text.h"

namespace sonde::repl {
namespace {

// Walks `text` the way the lexer does for strings and `#` comments, calling
// `on_code(i, depth)` for every character of code (braces already counted).
template <typename F>
int scan(std::string_view text, F&& on_code) {
  int depth = 0;
  bool in_string = false;
  bool in_comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_comment) {
      if (c == '\n') {
        in_comment = false;
        on_code(i, depth);
      }
      continue;
    }
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"' || c == '\n')
        in_string = false;  // an unclosed string ends at the line
      continue;
    }
    if (c == '#') {
      in_comment = true;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && depth > 0)
      --depth;
    on_code(i, depth);
  }
  return depth;
}

bool only_comment(std::string_view piece) {
  for (auto line : split(piece, '\n')) {
    line = trim(line);
    if (!line.empty() && line[0] != '#') return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> split_statements(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0;
  auto flush = [&](size_t end) {
    std::string_view piece = trim(text.substr(begin, end - begin));
    if (!piece.empty() && !only_comment(piece)) out.emplace_back(piece);
    begin = end + 1;
  };
  scan(text, [&](size_t i, int depth) {
    if (depth == 0 && (text[i] == ';' || text[i] == '\n')) flush(i);
  });
  flush(text.size());
  return out;
}

int open_braces(std::string_view text) {
  return scan(text, [](size_t, int) {});
}

size_t current_statement_start(std::string_view text) {
  size_t start = 0;
  scan(text, [&](size_t i, int) {
    char c = text[i];
    if (c == ';' || c == '\n' || c == '{' || c == '}') start = i + 1;
  });
  return start;
}

bool needs_more_lines(std::string_view text) { return open_braces(text) > 0; }

}  // namespace sonde::repl
