// What the REPL reads before the compiler sees it: where one typed statement ends,
// and whether the input so far still needs more lines (an open `span ... {`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sonde::repl {

// The statements of `text`, split at `;` and newlines outside braces, strings and
// comments, each trimmed; empty pieces and comment-only pieces are dropped. A span
// definition stays one piece, its lines and all.
std::vector<std::string> split_statements(std::string_view text);

// True while `text` has a `{` not yet closed (outside strings and comments).
bool needs_more_lines(std::string_view text);

// Where the statement (or span item) being typed at the end of `text` begins: just
// after the last `;`, newline, `{` or `}` outside strings and comments.
size_t current_statement_start(std::string_view text);

// How many `{` are open at the end of `text` (outside strings and comments).
int open_braces(std::string_view text);

}  // namespace sonde::repl
