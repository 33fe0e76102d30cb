// The REPL's state and what it does with each input: statements are compiled and
// attached (registry.h), commands are run (shell_commands.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "compiler/driver/compiler.h"
#include "runtime/bpf/stats.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/session/hook_chain.h"
#include "tools/sonde/repl/input.h"
#include "tools/sonde/repl/kernel_source.h"
#include "tools/sonde/repl/registry.h"
#include "tools/sonde/repl/repl.h"

namespace sonde::repl {

class Shell {
 public:
  // `compiler` and `registry` outlive the shell; the registry is shared with the
  // HTTP endpoint. `interactive`: read from a terminal through the line editor.
  Shell(const Options& options, driver::Compiler& compiler, Registry& registry, bool interactive);

  // The read-eval loop. Returns the number of inputs that failed.
  size_t run();

 private:
  std::string prompt() const;
  Completion complete(std::string_view before_cursor);

  // Statements.
  void evaluate(const std::string& text, bool one_line);
  bool submit(const std::string& text, std::optional<size_t> caret_indent);
  void ensure_stats();
  // A `print` statement: its events as they come until a key (or Ctrl-C), then detached
  // (the session is closed before the line saying so).
  void stream_events(std::unique_ptr<session::Session> session, uint32_t number);

  // Commands (shell_commands.cpp). False when the REPL should end.
  bool run_command(const std::string& line);
  bool show(const std::string& argument);
  bool watch(const std::string& argument);
  void list();
  bool detach(const std::string& argument);
  bool emit_c(const std::string& argument);
  bool describe(const std::string& argument);
  bool clear(const std::string& argument);
  bool save(const std::string& argument);

  // The attached statement `argument` names; prints why not (`missing`: no number).
  std::optional<uint32_t> attached_statement(const std::string& argument, const Error& missing);
  // Prints the error, or `done` on success; returns whether it succeeded.
  bool report(const Status& status, const std::string& done);
  void print_error(const Error& e);

  const Options& options_;
  driver::Compiler& compiler_;
  Registry& registry_;
  KernelSource source_;
  std::unique_ptr<Input> input_;
  std::optional<bpf::StatsEnabler> stats_;
  std::string stats_error_;  // why run-time statistics are off, once tried
  bool stats_tried_ = false;
  // Mapped at the first attach, for every statement's CO-RE relocations.
  std::shared_ptr<const btf::KernelBtf> kernel_btf_;
  // Statements on one hook share its attachment (hook_chains.h). Sessions hold their
  // chains, so this may go before the registry's sessions.
  session::HookChains chains_;
  std::string pending_;  // lines of an input that continues (an open '{')
  bool color_ = false;
  size_t failures_ = 0;
};

}  // namespace sonde::repl
