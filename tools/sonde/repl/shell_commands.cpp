// The REPL's commands (see commands.cpp for their table and help).
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

#include "runtime/export/humanize.h"
#include "runtime/export/terminal.h"
#include "runtime/metrics/interval.h"
#include "support/duration.h"
#include "support/text.h"
#include "tools/sonde/repl/commands.h"
#include "tools/sonde/repl/describe.h"
#include "tools/sonde/repl/rows.h"
#include "tools/sonde/repl/shell.h"
#include "tools/sonde/repl/signals.h"

namespace sonde::repl {
namespace {

constexpr std::chrono::milliseconds kDefaultWatchInterval{1000};

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for (auto w : split(text, ' ')) {
    w = trim(w);
    if (!w.empty()) out.emplace_back(w);
  }
  return out;
}

// "3", "[3]" -> 3.
std::optional<uint32_t> statement_number(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  uint32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string expand_home(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (path.starts_with("~/") && home != nullptr) return home + path.substr(1);
  return path;
}

std::string count_text(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void write_out(const std::string& text) {
  fmt::print("{}", text);
  fflush(stdout);
}

}  // namespace

bool Shell::run_command(const std::string& line) {
  std::string_view text = trim(line);
  size_t space = text.find_first_of(" \t");
  std::string name(text.substr(0, space));
  std::string argument(space == std::string_view::npos ? "" : trim(text.substr(space)));
  const CommandInfo* command = find_command(name);
  if (command == nullptr) {
    std::vector<std::string> spellings;
    for (const auto& c : command_names()) spellings.push_back(c.name);
    print_error(Error{fmt::format("unknown command '{}'{}", name, did_you_mean(name, spellings)),
                      ":help lists the commands"});
    ++failures_;
    return true;
  }
  bool ok = true;
  switch (command->id) {
    case CommandId::kHelp:
      write_out(help_text());
      break;
    case CommandId::kShow:
      ok = show(argument);
      break;
    case CommandId::kWatch:
      ok = watch(argument);
      break;
    case CommandId::kList:
      list();
      break;
    case CommandId::kDetach:
      ok = detach(argument);
      break;
    case CommandId::kC:
      ok = emit_c(argument);
      break;
    case CommandId::kDescribe:
      ok = describe(argument);
      break;
    case CommandId::kClear:
      ok = clear(argument);
      break;
    case CommandId::kSave:
      ok = save(argument);
      break;
    case CommandId::kQuit:
      return false;
  }
  if (!ok) ++failures_;
  return true;
}

bool Shell::show(const std::string& argument) {
  std::optional<uint32_t> number;
  exporter::TerminalOptions terminal;
  terminal.top = options_.top;
  std::vector<std::string> words = words_of(argument);
  if (words.size() > 2) {
    print_error(Error{fmt::format("':show {}' has too many words", argument),
                      "e.g. :show 3 50 (statement 3, 50 rows per metric)"});
    return false;
  }
  if (!words.empty() && words[0] != "all") {
    number = statement_number(words[0]);
    if (!number) {
      print_error(Error{fmt::format("'{}' is not a statement number", words[0]),
                        "e.g. :show 3, or :show for all"});
      return false;
    }
  }
  if (words.size() == 2) {
    auto rows = parse_rows(words[1]);
    if (!rows) {
      print_error(Error{fmt::format("'{}' is not a number of rows", words[1]),
                        "e.g. :show 3 50 (statement 3, 50 rows per metric)"});
      return false;
    }
    terminal.top = *rows;
  }
  metrics::Snapshot snapshot;
  if (!report(registry_.snapshot(number, snapshot), "")) return false;
  if (snapshot.families.empty()) {
    write_out("nothing is attached: type a statement first\n");
    return true;
  }
  std::string out;
  exporter::append_terminal_text(snapshot, terminal, out);
  write_out(out);
  return true;
}

bool Shell::watch(const std::string& argument) {
  std::optional<uint32_t> number;
  std::chrono::nanoseconds interval = kDefaultWatchInterval;
  for (const auto& word : words_of(argument)) {
    if (word == "all") continue;
    if (auto n = statement_number(word)) {
      number = n;
      continue;
    }
    auto d = parse_duration(word);
    if (!d || d->count() <= 0) {
      print_error(Error{fmt::format("'{}' is neither a statement number nor an interval", word),
                        "e.g. :watch 3 2s (statement 3, every 2 seconds)"});
      return false;
    }
    interval = *d;
  }
  if (number) {
    if (!report(registry_.check_attached(*number), "")) return false;
  } else if (registry_.attached_count() == 0) {
    write_out("nothing is attached: type a statement first\n");
    return true;
  }
  auto wait = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(interval),
                       std::chrono::milliseconds(1));
  std::string what = number ? fmt::format("[{}]", *number) : "all statements";
  // Rates: each refresh's increase over the seconds since the one before (the maps are
  // read once per refresh).
  metrics::IntervalTracker tracker(metrics::unix_seconds_now(), metrics::monotonic_seconds_now());
  for (bool first = true;; first = false) {
    metrics::Snapshot snapshot;
    if (!report(registry_.snapshot(number, snapshot), "")) return false;
    tracker.advance(snapshot, metrics::unix_seconds_now(), metrics::monotonic_seconds_now());
    // Redraw in place on a terminal, as watch(1) does; a pipe gets one block per tick.
    std::string out = input_->interactive() ? "\033[H\033[2J" : "";
    out += fmt::format(
        "{:%H:%M:%S}  {} every {}  ({})\n", fmt::localtime(std::time(nullptr)), what,
        exporter::humanize(static_cast<double>(interval.count()), spec::Unit::kNanoseconds),
        input_->interactive() ? "any key or Ctrl-C stops" : "until more input");
    out += first ? std::string("rates from the next refresh on\n\n")
                 : fmt::format("rates over the last {:.3f}s\n\n", snapshot.interval->seconds);
    exporter::TerminalOptions terminal;
    terminal.top = options_.top;
    terminal.view = first ? exporter::View::kCumulative : exporter::View::kRate;
    exporter::append_terminal_text(snapshot, terminal, out);
    write_out(out);
    if (input_->wait_for_key(wait) || stop_requested()) break;
  }
  return true;
}

void Shell::list() {
  std::vector<StatementRow> rows = registry_.rows();
  if (rows.empty()) {
    write_out("no statements yet\n");
    return;
  }
  std::string out;
  for (const auto& row : rows) {
    std::string text = row.text;
    std::replace(text.begin(), text.end(), '\n', ' ');
    out += fmt::format("[{}] {}\n", row.number, text);
    if (row.definition) {
      out += "    definition\n";
      continue;
    }
    std::string activity;
    if (row.activity && stats_) {
      activity = fmt::format(", {} event{}, {}/s", count_text(row.activity->events),
                             row.activity->events == 1 ? "" : "s",
                             exporter::humanize(row.activity->per_second, spec::Unit::kNone));
      if (row.activity->ns_per_event > 0) {
        activity += fmt::format(
            ", {}/event", exporter::humanize(row.activity->ns_per_event, spec::Unit::kNanoseconds));
      }
      // Tail-called programs have no counts of their own (hook_chains.h).
      if (row.activity->whole_hook) activity += " (whole hook)";
    } else {
      activity = fmt::format(", events unknown ({})",
                             stats_error_.empty() ? "kernel statistics unavailable" : stats_error_);
    }
    out += fmt::format("    {} probe{}{} -> {}\n", row.probes, row.probes == 1 ? "" : "s", activity,
                       join(row.metrics, ", "));
  }
  write_out(out);
}

std::optional<uint32_t> Shell::attached_statement(const std::string& argument,
                                                  const Error& missing) {
  auto number = statement_number(argument);
  if (!number) {
    if (argument.empty()) {
      print_error(missing);
    } else {
      print_error({fmt::format("'{}' is not a statement number", argument),
                   missing.hint + " (:list shows the attached statements and their numbers)"});
    }
    return std::nullopt;
  }
  if (auto st = registry_.check_attached(*number); !st) {
    print_error(st.error());
    return std::nullopt;
  }
  return number;
}

bool Shell::report(const Status& status, const std::string& done) {
  if (!status) {
    print_error(status.error());
    return false;
  }
  write_out(done);
  return true;
}

bool Shell::detach(const std::string& argument) {
  if (argument == "all") {
    size_t n = registry_.detach_all();
    write_out(fmt::format("detached {} statement{}\n", n, n == 1 ? "" : "s"));
    return true;
  }
  auto number =
      attached_statement(argument, {"detach which statement?", "e.g. :detach 3, or :detach all"});
  return number && report(registry_.detach(*number), fmt::format("[{}] detached\n", *number));
}

bool Shell::emit_c(const std::string& argument) {
  auto number = attached_statement(argument, {"the C of which statement?", "e.g. :c 3"});
  return number && report({}, registry_.c_source(*number));
}

bool Shell::describe(const std::string& argument) {
  Description d = repl::describe(argument, compiler_, color_);
  if (!d.found) {
    fflush(stdout);
    fmt::print(stderr, "{}", d.text);
    return false;
  }
  write_out(d.text);
  return true;
}

bool Shell::clear(const std::string& argument) {
  auto number = attached_statement(argument, {"clear which statement?", "e.g. :clear 3"});
  return number && report(registry_.clear(*number), fmt::format("[{}] cleared\n", *number));
}

bool Shell::save(const std::string& argument) {
  if (argument.empty()) {
    print_error(Error{"save to which file?", "e.g. :save probes.sonde"});
    return false;
  }
  std::string path = expand_home(argument);
  size_t statements = 0;
  std::string text = registry_.saved_text(statements);
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  Status written =
      file ? Status()
           : Status(Error{fmt::format("cannot write {}: {}", path, std::strerror(errno)), ""});
  return report(written, fmt::format("saved {} statement{} to {} (run it with: sonde run {})\n",
                                     statements, statements == 1 ? "" : "s", path, path));
}

}  // namespace sonde::repl
