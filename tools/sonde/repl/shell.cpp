#include "tools/sonde/repl/shell.h"

#include <fmt/format.h>
#include <unistd.h>

#include "runtime/export/events.h"
#include "support/text.h"
#include "tools/sonde/repl/commands.h"
#include "tools/sonde/repl/hook_chains.h"
#include "tools/sonde/repl/input_text.h"
#include "tools/sonde/repl/line_editor.h"
#include "tools/sonde/repl/prompt_diagnostics.h"
#include "tools/sonde/repl/signals.h"

namespace sonde::repl {
namespace {

using Clock = std::chrono::steady_clock;

// The index of the file the compiler gave the latest input named `name`.
std::optional<uint32_t> file_named(const ast::SourceManager& sources, const std::string& name) {
  for (size_t i = sources.size(); i-- > 0;) {
    if (sources.file(static_cast<uint32_t>(i)).name() == name) return static_cast<uint32_t>(i);
  }
  return std::nullopt;
}

std::string first_line(const std::string& text) {
  size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl) + " ...";
}

}  // namespace

Shell::Shell(const Options& options, driver::Compiler& compiler, Registry& registry,
             bool interactive)
    : options_(options),
      compiler_(compiler),
      registry_(registry),
      source_(compiler, [&registry] { return registry.attached_numbers(); }) {
  if (interactive) {
    input_ = std::make_unique<LineEditor>(
        options.history_path, [this](std::string_view before) { return complete(before); });
    color_ = isatty(STDERR_FILENO);
  } else {
    input_ = plain_input(STDIN_FILENO);
  }
}

std::string Shell::prompt() const {
  if (!input_->interactive()) return {};
  std::string main = fmt::format("sonde [{}]> ", registry_.next_number());
  if (pending_.empty()) return main;
  return fmt::format("{:>{}}", "...> ", main.size());
}

Completion Shell::complete(std::string_view before_cursor) {
  std::string text = pending_ + std::string(before_cursor);
  return repl::complete(text, source_, command_names());
}

size_t Shell::run() {
  if (input_->interactive()) {
    fmt::print("sonde repl: type a statement to attach it, :help for commands, Ctrl-D to quit\n");
  }
  while (!stop_requested()) {
    fflush(stdout);
    ReadResult r = input_->read_line(prompt());
    if (r.status == ReadStatus::kEnd) {
      // A statement still open at the end (an unbalanced `{`) is checked as it stands, so
      // that its error is shown and counted, not swallowed.
      if (!trim(pending_).empty()) evaluate(std::exchange(pending_, {}), false);
      break;
    }
    if (r.status == ReadStatus::kInterrupted) {
      pending_.clear();
      continue;
    }
    if (pending_.empty()) {
      std::string_view t = trim(r.line);
      if (t.empty() || t[0] == '#') continue;
      if (t[0] == ':') {
        if (!run_command(std::string(t))) break;
        continue;
      }
    }
    pending_ += r.line;
    pending_ += '\n';
    if (needs_more_lines(pending_)) continue;
    std::string text = std::exchange(pending_, {});
    evaluate(text, text.find('\n') + 1 == text.size());
  }
  fflush(stdout);
  return failures_;
}

void Shell::evaluate(const std::string& text, bool one_line) {
  std::vector<std::string> pieces = split_statements(text);
  for (const auto& piece : pieces) {
    std::optional<size_t> indent;
    // The caret can go under the typed text when it is one statement on one screen line.
    size_t start = prompt().size() + text.find(piece);
    if (input_->interactive() && one_line && pieces.size() == 1 &&
        start + piece.size() < terminal_width()) {
      indent = start;
    }
    if (!submit(piece, indent)) ++failures_;
  }
}

bool Shell::submit(const std::string& text, std::optional<size_t> caret_indent) {
  uint32_t number = registry_.next_number();
  std::string name = fmt::format("<repl:{}>", number);
  compiler_.set_first_statement(number);
  auto started = Clock::now();
  ChainedCompile chaining(compiler_, chains_);
  driver::Compilation c = compiler_.compile(name, text);

  std::string rendered;
  auto file = file_named(compiler_.sources(), name);
  if (caret_indent && file) {
    rendered = render_under_prompt(compiler_.diagnostics(), compiler_.sources(), *file,
                                   *caret_indent, color_);
  } else {
    rendered = compiler_.render(color_);
  }
  fflush(stdout);
  fmt::print(stderr, "{}", rendered);
  if (!c.ok) return false;

  if (c.program.metrics.empty() && c.program.events.empty()) {
    registry_.add_definition(text);
    fmt::print("[{}] defined: {}\n", number, first_line(text));
    return true;
  }
  for (const auto& m : c.program.metrics) {
    if (auto owner = registry_.metric_owner(m.name)) {
      print_error(Error{
          fmt::format("metric '{}' is already exported by statement [{}]", m.name, *owner),
          fmt::format("detach it first (:detach {}), or name this one with 'as NAME'", *owner)});
      return false;
    }
  }
  ensure_stats();
  session::Options session_options;
  session_options.verbose = options_.verbose;
  if (!kernel_btf_) {
    if (auto opened = btf::KernelBtf::open()) kernel_btf_ = std::move(opened.value());
  }
  session_options.kernel_btf = kernel_btf_;
  if (auto st = chaining.finish(session_options); !st) {
    print_error(st.error());
    return false;
  }
  std::vector<std::string> metrics;
  for (const auto& m : c.program.metrics) metrics.push_back(m.name);
  auto started_session = session::Session::start(std::move(c.program), session_options);
  if (!started_session) {
    print_error(started_session.error());
    return false;
  }
  size_t probes = (*started_session)->attached_probes();
  if ((*started_session)->events()) {
    fmt::print("[{}] attached {} probe{}; {}\n", number, probes, probes == 1 ? "" : "s",
               input_->interactive() ? "any key or Ctrl-C stops" : "until more input");
    fflush(stdout);
    stream_events(std::move(started_session.value()), number);
    return true;  // events are not kept: the session went, and its probes with it
  }
  registry_.add_statement(text, std::move(c.c_source), std::move(started_session.value()));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  fmt::print("[{}] attached {} probe{} in {} ms: {}\n", number, probes, probes == 1 ? "" : "s", ms,
             join(metrics, ", "));
  return true;
}

void Shell::stream_events(std::unique_ptr<session::Session> session, uint32_t number) {
  session::EventReader& reader = *session->events();
  const auto& all = session->program().events;
  std::string out;
  for (const auto& e : all) exporter::append_event_header(e, out);
  session::EventSink sink = [&](const spec::Events& e, const std::vector<std::string>& values) {
    exporter::append_event_line(e, values, out);
  };
  auto flush = [&] {
    if (auto n = reader.drain(sink); !n) print_error(n.error());
    fmt::print("{}", out);
    fflush(stdout);
    out.clear();
  };
  // Reading every 100 ms keeps the 1 MiB buffer from filling below ~300,000 events/s.
  for (;;) {
    flush();
    if (input_->wait_for_key(std::chrono::milliseconds(100)) || stop_requested()) break;
  }
  flush();
  uint64_t lost = 0;
  for (const auto& e : all) lost += reader.lost(e);
  const uint64_t delivered = reader.delivered();
  // "detached" is said once it is true: a script (or test) reading it may look for the
  // programs right away.
  session.reset();
  fmt::print("[{}] {} event{} printed, {} events lost; detached\n", number, delivered,
             delivered == 1 ? "" : "s", lost);
  fflush(stdout);
}

// Event rates come from the kernel's run counts of each program, which it keeps only
// while run-time statistics are on; they are turned on at the first attach.
void Shell::ensure_stats() {
  if (stats_tried_) return;
  stats_tried_ = true;
  auto enabled = bpf::StatsEnabler::enable();
  if (enabled)
    stats_.emplace(std::move(enabled.value()));
  else
    stats_error_ = enabled.error().message;
}

void Shell::print_error(const Error& e) {
  fflush(stdout);
  fmt::print(stderr, "{}error:{} {}\n", color_ ? "\033[1;31m" : "", color_ ? "\033[0m" : "",
             e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

}  // namespace sonde::repl
