// Turns ANTLR's syntax errors into sonde diagnostics with readable expectations.
#pragma once

#include <antlr4-runtime.h>

#include <functional>

#include "compiler/ast/diagnostics.h"

namespace sonde::parse {

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  // Maps a token's character index to a byte range in the file.
  using RangeOf = std::function<ast::SourceRange(antlr4::Token*)>;
  SyntaxErrorListener(ast::Diagnostics& diags, RangeOf range_of)
      : diags_(diags), range_of_(std::move(range_of)) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t column, const std::string& msg, std::exception_ptr e) override;

  bool failed() const { return failed_; }

 private:
  ast::Diagnostics& diags_;
  RangeOf range_of_;
  bool failed_ = false;
};

}  // namespace sonde::parse
