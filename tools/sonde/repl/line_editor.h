// A terminal's lines through libedit (BSD licensed): emacs-style editing, persistent
// history, and tab completion through a Completion function. The only code that sees
// libedit.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tools/sonde/repl/completion.h"
#include "tools/sonde/repl/input.h"

namespace sonde::repl {

class LineEditor : public Input {
 public:
  // Gets the text before the cursor of the line being edited.
  using Completer = std::function<Completion(std::string_view before_cursor)>;

  // `history_path`: where history is loaded from and saved to after every line;
  // empty keeps it in memory only.
  LineEditor(std::string history_path, Completer completer);
  ~LineEditor() override;

  ReadResult read_line(const std::string& prompt) override;
  bool wait_for_key(std::chrono::milliseconds timeout) override;
  bool interactive() const override { return true; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonde::repl
