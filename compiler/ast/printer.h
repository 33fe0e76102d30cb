// Prints an AST as compact S-expressions, for parser tests and `--dump-ast`.
#pragma once

#include <string>

#include "compiler/ast/ast.h"

namespace sonde::ast {

std::string print(const Expr& e);
std::string print(const Statement& s);
std::string print(const Program& p);  // one statement per line

}  // namespace sonde::ast
