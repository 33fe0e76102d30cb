// Tab completion for the REPL, as a function of the text before the cursor: no
// terminal needed (the line editor calls it; the unit tests call it directly).
//
// Completes commands and their arguments, statement keywords, probe kinds,
// tracepoint categories and names, span and event names, span parameters
// (`syscall re` -> `read`), and in expressions the names the probe being typed
// offers: its fields, aliases and builtins, and the decoders.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::repl {

// The keywords completion names itself, each where one rule expects it. What starts a
// statement or a span item, what follows an aggregation and the histogram schemes come
// from the grammar instead (compiler/parse/keywords.h). completion_test checks that
// each of these is a keyword of the grammar.
namespace keyword {
inline constexpr std::string_view kWhere = "where";
inline constexpr std::string_view kKey = "key";
inline constexpr std::string_view kLatency = "latency";
inline constexpr std::string_view kOf = "of";
inline constexpr std::string_view kPrint = "print";
inline constexpr std::string_view kSlo = "slo";
inline constexpr std::string_view kLog2 = "log2";  // the one scheme without a required '('
// Recognised when typed, to tell which statement is being written.
inline constexpr std::string_view kOn = "on";
inline constexpr std::string_view kStart = "start";
inline constexpr std::string_view kEnd = "end";
inline constexpr std::string_view kSpan = "span";
inline constexpr std::string_view kEvent = "event";
inline constexpr std::string_view kAlias = "alias";
inline constexpr std::string_view kUse = "use";
inline constexpr std::string_view kHistogram = "histogram";
inline constexpr std::string_view kAs = "as";
inline constexpr std::string_view kCapacity = "capacity";
inline constexpr std::string_view kTtl = "ttl";
inline constexpr std::array kAll = {kWhere, kKey, kLatency,   kOf,  kPrint,    kSlo,
                                    kLog2,  kOn,  kStart,     kEnd, kSpan,     kEvent,
                                    kAlias, kUse, kHistogram, kAs,  kCapacity, kTtl};
}  // namespace keyword

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
