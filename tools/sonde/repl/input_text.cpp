#include "tools/sonde/repl/input_text.h"

#include "compiler/parse/lexer.h"
#include "support/text.h"

namespace sonde::repl {
namespace {

using parse::TokenKind;

// Walks the tokens of `text` as the compiler cuts them (strings and comments are not
// code), calling `on_token(token, depth)` for each, braces already counted.
template <typename F>
int scan(std::string_view text, F&& on_token) {
  int depth = 0;
  for (const parse::Token& t : parse::lex(text)) {
    if (t.kind == TokenKind::kOpenBrace)
      ++depth;
    else if (t.kind == TokenKind::kCloseBrace && depth > 0)
      --depth;
    on_token(t, depth);
  }
  return depth;
}

bool separates(TokenKind kind) {
  return kind == TokenKind::kSemicolon || kind == TokenKind::kNewline;
}

}  // namespace

std::vector<std::string> split_statements(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0;
  bool code = false;  // a token other than separators since `begin`
  auto flush = [&](size_t end, size_t next) {
    if (code) out.emplace_back(trim(text.substr(begin, end - begin)));
    begin = next;
    code = false;
  };
  scan(text, [&](const parse::Token& t, int depth) {
    if (depth == 0 && separates(t.kind))
      flush(t.begin, t.end);
    else if (!separates(t.kind))
      code = true;
  });
  flush(text.size(), text.size());
  return out;
}

int open_braces(std::string_view text) {
  return scan(text, [](const parse::Token&, int) {});
}

size_t current_statement_start(std::string_view text) {
  size_t start = 0;
  scan(text, [&](const parse::Token& t, int) {
    if (separates(t.kind) || t.kind == TokenKind::kOpenBrace || t.kind == TokenKind::kCloseBrace)
      start = t.end;
  });
  return start;
}

bool needs_more_lines(std::string_view text) { return open_braces(text) > 0; }

}  // namespace sonde::repl
