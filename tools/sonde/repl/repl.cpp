#include "tools/sonde/repl/repl.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>

#include "compiler/clang/compile.h"
#include "compiler/driver/compiler.h"
#include "runtime/bpf/privileges.h"
#include "runtime/export/metrics_server.h"
#include "tools/sonde/repl/registry.h"
#include "tools/sonde/repl/shell.h"
#include "tools/sonde/repl/signals.h"

namespace sonde::repl {
namespace {

std::string default_history_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    std::string dir = std::string(state) + "/sonde";
    ::mkdir(dir.c_str(), 0700);  // an error shows when the history cannot be written
    return dir + "/history";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.sonde_history";
  }
  return {};
}

void print_error(const Error& e) {
  fmt::print(stderr, "error: {}\n", e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

}  // namespace

int run(const Options& given) {
  Options options = given;
  if (options.history_path.empty()) options.history_path = default_history_path();
  std::setlocale(LC_CTYPE, "");  // libedit reads UTF-8 through the locale

  // Before any thread exists: every compile then forks from a parent that already holds
  // the compiler, so no child ever dlopen()s while another thread holds a loader lock.
  // Compiling in a child is also what keeps LLVM's repeated-compile crash unreachable.
  if (auto st = clang_bpf::preload(); !st) {
    print_error(st.error());
    fmt::print(stderr, "statements will not compile; commands still work\n");
  }
  // Said once up front; each statement that tries to attach says it again.
  if (auto st = bpf::check_privileges(); !st) {
    print_error(st.error());
    fmt::print(stderr, "statements can be checked but not attached\n");
  }
  driver::Compiler compiler;
  compiler.set_keep_definitions(true);
  compiler.load_stdlib();
  Registry registry;

  // Threads started from here on inherit the blocked mask, so Ctrl-C reaches this
  // thread, the one reading the terminal.
  block_repl_signals(true);
  std::optional<exporter::MetricsServer> server;
  if (options.listen) {
    auto started =
        exporter::MetricsServer::start(*options.listen, [&registry](metrics::Snapshot& snapshot) {
          return registry.snapshot(std::nullopt, snapshot);
        });
    if (!started) {
      print_error(started.error());
      return 1;
    }
    server.emplace(std::move(started.value()));
  }
  install_signal_handlers();
  block_repl_signals(false);

  bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  if (server) fmt::print("serving {}\n", server->url());
  size_t failures = 0;
  {
    Shell shell(options, compiler, registry, interactive);
    failures = shell.run();
  }
  size_t detached = registry.detach_all();
  if (server) server->stop();
  fmt::print("detached {} statement{}\n", detached, detached == 1 ? "" : "s");
  return !interactive && failures > 0 ? 1 : 0;
}

}  // namespace sonde::repl
