// Tab completion for the REPL, as a function of the text before the cursor: no
// terminal needed (the line editor calls it; the unit tests call it directly).
//
// Completes commands and their arguments, statement keywords, probe kinds,
// tracepoint categories and names, span and event names, span parameters
// (`syscall re` -> `read`), and in expressions the names the probe being typed
// offers: its fields, aliases and builtins, and the decoders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sonde::repl {

// What completion knows about the system and the session. The REPL's implementation
// asks the compiler (kernel_source.h); tests give fixed answers.
class CompletionSource {
 public:
  virtual ~CompletionSource() = default;

  virtual std::vector<std::string> probe_kinds() = 0;  // "tracepoint", "uprobe", ...
  // "t" -> "tracepoint"; the text itself when it is no kind's spelling.
  virtual std::string canonical_kind(const std::string& kind) = 0;
  virtual std::vector<std::string> tracepoint_categories() = 0;
  // The tracepoints of `category`, or of every category when it is empty.
  virtual std::vector<std::string> tracepoint_names(const std::string& category) = 0;
  virtual std::vector<std::string> event_names() = 0;
  // Every span by its words; a parameter is spelled with its `$` ("syscall", "$name").
  virtual std::vector<std::vector<std::string>> spans() = 0;
  // Values parameter `words[index]` can take, e.g. the syscall names of `syscall $name`.
  virtual std::vector<std::string> span_parameter_values(const std::vector<std::string>& words,
                                                         size_t index) = 0;
  // Names an expression on `probe` (as typed, or an event name) may use: fields,
  // aliases, builtins.
  virtual std::vector<std::string> probe_names(const std::string& probe) = 0;
  // Names a statement on the span `words` (as typed) may use in `where` and `by`.
  virtual std::vector<std::string> span_statement_names(const std::vector<std::string>& words) = 0;
  // Numbers of the statements in the session, for command arguments.
  virtual std::vector<std::string> statement_numbers() = 0;
};

// What a command's argument is, for completing it.
enum class ArgumentKind { kNone, kStatement, kStatementOrAll, kProbe, kFile };

struct CommandName {
  std::string name;  // ":watch"
  ArgumentKind argument = ArgumentKind::kNone;
};

struct Completion {
  size_t start = 0;                     // where the word being completed begins in the text
  std::vector<std::string> candidates;  // sorted, unique, each extending that word
};

// `text` is everything typed so far in this input up to the cursor (earlier lines of
// an unfinished span included).
Completion complete(std::string_view text, CompletionSource& source,
                    const std::vector<CommandName>& commands);

// The longest prefix all candidates share.
std::string common_prefix(const std::vector<std::string>& candidates);

}  // namespace sonde::repl
