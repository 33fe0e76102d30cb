// Diagnostics for a statement just typed at the prompt. The terminal still shows the
// typed line, so the caret goes right under it and the message below:
//
//   sonde [1]> on tracepoint:timer:timer_start count by ksym(fnction)
//                                                            ^~~~~~~
//   error: unknown field 'fnction' in tracepoint:timer:timer_start
//
// Later diagnostics, and those about other text (a used file, the stdlib), render
// clang-style.
#pragma once

#include <string>

#include "compiler/ast/diagnostics.h"

namespace sonde::repl {

// `input_file`: the typed text's index in `sources`; `indent`: the column (from 0)
// where that text begins on the screen.
std::string render_under_prompt(const ast::Diagnostics& diags, const ast::SourceManager& sources,
                                uint32_t input_file, size_t indent, bool color);

}  // namespace sonde::repl
