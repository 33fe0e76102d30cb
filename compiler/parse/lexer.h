// The language's tokens as the grammar's own lexer cuts them, without ANTLR types: for
// the REPL (completion, where a typed statement ends), so that nothing outside this
// module re-derives the lexical rules of grammar/Sonde.g4.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sonde::parse {

enum class TokenKind {
  kKeyword,  // on, where, count, ... (the grammar's keyword tokens)
  kIdent,    // a name
  kProbe,    // kind:rest, one token (tracepoint:syscalls:sys_enter_*)
  kNumber,   // digits with an optional unit suffix (10ms)
  kString,   // "..." (unterminated: to the end of its line, see lex())
  kParam,    // $name in a span definition
  kCast,     // (unsigned int)
  kNewline,  // statement separators
  kSemicolon,
  kOpenBrace,
  kCloseBrace,
  kPunct,  // operators and other punctuation
  kError,  // a character the grammar has no token for
};

struct Token {
  TokenKind kind = TokenKind::kError;
  size_t begin = 0;  // byte offsets in the text
  size_t end = 0;
};

// The tokens of `text`; comments and blanks are skipped as the parser skips them. No
// token but a newline spans lines, so each line is cut on its own: a string left open
// (what a user is still typing) becomes one kString token to the end of its line, where
// the parser would see an error character, and a line with invalid UTF-8 becomes one
// kError token from that byte on.
std::vector<Token> lex(std::string_view text);

}  // namespace sonde::parse
