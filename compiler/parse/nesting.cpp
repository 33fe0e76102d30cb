#include "compiler/parse/nesting.h"

#include <fmt/format.h>

#include "SondeLexer.h"

namespace sonde::parse {

using sonde_grammar::SondeLexer;

void nesting_error(ast::SourceRange at, ast::Diagnostics& diags) {
  diags.error(at,
              fmt::format("this expression nests more than {} levels deep", kMaxExpressionDepth),
              "simplify it, or split it across statements");
}

bool check_nesting(const std::vector<antlr4::Token*>& tokens, const TokenRange& range_of,
                   ast::Diagnostics& diags) {
  size_t brackets = 0;  // open parentheses and brackets
  size_t prefix = 0;    // prefix operators in a row (a binary minus counts too: harmless)
  for (antlr4::Token* t : tokens) {
    switch (t->getType()) {
      case SondeLexer::LPAREN:
      case SondeLexer::LBRACK:
        ++brackets;
        break;
      case SondeLexer::RPAREN:
      case SondeLexer::RBRACK:
        if (brackets > 0) --brackets;
        break;
      case SondeLexer::NEWLINE:
      case SondeLexer::SEMI:
      case SondeLexer::LBRACE:
      case SondeLexer::RBRACE:
        brackets = 0;  // a statement or span item ends: unbalanced ones are syntax errors
        break;
      default:
        break;
    }
    const size_t type = t->getType();
    const bool is_prefix =
        type == SondeLexer::NOT || type == SondeLexer::MINUS || type == SondeLexer::TILDE;
    prefix = is_prefix ? prefix + 1 : 0;
    if (brackets + prefix > kMaxExpressionDepth) {
      nesting_error(range_of(t), diags);
      return false;
    }
  }
  return true;
}

}  // namespace sonde::parse
