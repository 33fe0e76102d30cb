// `sonde repl`: type a probe, see numbers at once, refine it, detach what is noise,
// save what is useful as a file `sonde run` accepts.
#pragma once

#include <optional>
#include <string>

namespace sonde::repl {

struct Options {
  std::optional<std::string> listen;  // serve /metrics for everything attached
  bool verbose = false;               // load errors carry the verifier's whole log
  // History file; empty: $XDG_STATE_HOME/sonde/history, else ~/.sonde_history.
  std::string history_path;
  size_t top = 20;  // rows per metric in :show and :watch (--top; `:show N ROWS` for one show)
};

// Runs until :quit, Ctrl-D, end of input, SIGTERM or SIGHUP; detaches everything.
// Returns the exit code: 0, or 1 when input came from a pipe and a statement failed
// (so scripts notice), or when the HTTP endpoint could not start.
int run(const Options& options);

}  // namespace sonde::repl
