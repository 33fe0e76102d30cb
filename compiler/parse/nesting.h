// How deep expressions may nest. Every pass over an expression (ANTLR's parser, the
// AST builder, sema, lowering, the printer) recurses, and the C that lowering writes
// nests about two brackets per level, which Clang caps at 256: 50,000 nested
// parentheses crashed sonde on its stack, 150 chained operators failed its C compile.
#pragma once

#include <antlr4-runtime.h>

#include <functional>
#include <vector>

#include "compiler/ast/diagnostics.h"

namespace sonde::parse {

// Levels of an expression tree: operators, calls, members and indexes inside one
// another (parentheses count too).
inline constexpr size_t kMaxExpressionDepth = 64;

using TokenRange = std::function<ast::SourceRange(antlr4::Token*)>;

// Before ANTLR parses (it recurses once per parenthesis, bracket and prefix operator):
// false, with an error at the token that goes past kMaxExpressionDepth, when
// parentheses, brackets and prefix operators nest deeper than that.
bool check_nesting(const std::vector<antlr4::Token*>& tokens, const TokenRange& range_of,
                   ast::Diagnostics& diags);

// The error both this check and the AST builder give.
void nesting_error(ast::SourceRange at, ast::Diagnostics& diags);

}  // namespace sonde::parse
