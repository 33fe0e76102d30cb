// Where the REPL's lines come from: a terminal (line_editor.h: editing, history,
// completion) or a pipe (plain lines, for scripts and tests).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace sonde::repl {

enum class ReadStatus {
  kLine,         // `line` holds what was typed, without the newline
  kInterrupted,  // Ctrl-C: the line was dropped
  kEnd,          // Ctrl-D, end of input, or a signal to stop
};

struct ReadResult {
  ReadStatus status = ReadStatus::kEnd;
  std::string line;
};

class Input {
 public:
  virtual ~Input() = default;
  virtual ReadResult read_line(const std::string& prompt) = 0;
  // Waits at most `timeout` for a key (a terminal) or for more input (a pipe). True
  // when one came, Ctrl-C was pressed, or the input ended; false when time ran out.
  virtual bool wait_for_key(std::chrono::milliseconds timeout) = 0;
  // A person at a terminal (prompts, carets under the typed line, screen refresh).
  virtual bool interactive() const = 0;
};

// Lines from a file descriptor that is not a terminal. No prompt is printed.
std::unique_ptr<Input> plain_input(int fd);

// Columns of the terminal on stdout (80 when it is not one).
size_t terminal_width();

// Waits for readable input on `fd` (one key when `raw_keys` and fd is a terminal:
// its line discipline is switched off meanwhile). Consumes the key in that case.
bool wait_for_input(int fd, std::chrono::milliseconds timeout, bool raw_keys);

}  // namespace sonde::repl
