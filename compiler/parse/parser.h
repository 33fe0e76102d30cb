// Source text -> ast::Program. The only code that sees ANTLR: the parse tree is
// converted to the owned AST here and never escapes.
#pragma once

#include <cstdint>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/ast/source.h"

namespace sonde::parse {

// Parses file `file` of `sources`. Syntax errors are reported to `diags` (the first
// one per file: later ones are usually echoes of it); the program is empty then.
ast::Program parse(const ast::SourceManager& sources, uint32_t file, ast::Diagnostics& diags);

// The most tokens of lookahead any parsing decision needed on `text` (ANTLR's own
// profile of its prediction). Bounded by the grammar, not by the input, when parsing
// is linear: what a test checks (a long run of blank lines or comments once made every
// decision look to its end).
size_t max_lookahead(const std::string& text);

// Parses a number literal with its optional unit suffix: 42, 0x2a, 1_000, 10ms (in ns),
// 4KiB (in bytes). Returns false when the text is not a valid number.
bool parse_number(std::string_view text, uint64_t& value, std::string& error);

// What the unit suffix of a number literal measures (kNone without a suffix).
ast::NumberUnit number_unit(std::string_view text);

}  // namespace sonde::parse
