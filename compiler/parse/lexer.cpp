#include "compiler/parse/lexer.h"

#include <antlr4-runtime.h>

#include <string>

#include "SondeLexer.h"
#include "compiler/parse/offset_map.h"
#include "support/utf8.h"

namespace sonde::parse {
namespace {

using sonde_grammar::SondeLexer;

TokenKind kind_of(size_t type) {
  switch (type) {
    case SondeLexer::IDENT:
      return TokenKind::kIdent;
    case SondeLexer::PROBE_SPEC:
      return TokenKind::kProbe;
    case SondeLexer::NUMBER:
      return TokenKind::kNumber;
    case SondeLexer::STRING:
      return TokenKind::kString;
    case SondeLexer::PARAM:
      return TokenKind::kParam;
    case SondeLexer::CAST:
      return TokenKind::kCast;
    case SondeLexer::NEWLINE:
      return TokenKind::kNewline;
    case SondeLexer::SEMI:
      return TokenKind::kSemicolon;
    case SondeLexer::LBRACE:
      return TokenKind::kOpenBrace;
    case SondeLexer::RBRACE:
      return TokenKind::kCloseBrace;
    case SondeLexer::ERROR_CHAR:
      return TokenKind::kError;
    default:
      // Keywords come first in the grammar, up to the probe token; what follows the
      // names and literals is punctuation.
      return type < SondeLexer::PROBE_SPEC ? TokenKind::kKeyword : TokenKind::kPunct;
  }
}

// One line (its newline, if any, excluded), tokens offset by `base`.
void lex_line(std::string_view line, size_t base, std::vector<Token>& out) {
  size_t bad = first_invalid_utf8(line);
  std::string_view valid = line.substr(0, bad == std::string_view::npos ? line.size() : bad);
  const OffsetMap at(valid);
  antlr4::ANTLRInputStream input{std::string(valid)};
  SondeLexer lexer(&input);
  lexer.removeErrorListeners();
  for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
    Token token{kind_of(t->getType()), base + at.byte(t->getStartIndex()),
                base + at.byte(t->getStopIndex() + 1)};
    if (token.kind == TokenKind::kError && valid[token.begin - base] == '"') {
      out.push_back({TokenKind::kString, token.begin, base + line.size()});
      return;
    }
    out.push_back(token);
  }
  if (bad != std::string_view::npos)
    out.push_back({TokenKind::kError, base + bad, base + line.size()});
}

}  // namespace

std::vector<Token> lex(std::string_view text) {
  std::vector<Token> out;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t newline = text.find('\n', begin);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    // The grammar's newline is "\r?\n": a carriage return before it belongs to it.
    size_t line_end =
        end > begin && newline != std::string_view::npos && text[end - 1] == '\r' ? end - 1 : end;
    lex_line(text.substr(begin, line_end - begin), begin, out);
    if (newline == std::string_view::npos) break;
    out.push_back({TokenKind::kNewline, line_end, newline + 1});
    begin = newline + 1;
  }
  return out;
}

}  // namespace sonde::parse
