#include "tools/sonde/repl/commands.h"

#include <fmt/format.h>

namespace sonde::repl {

const std::vector<CommandInfo>& command_table() {
  static const std::vector<CommandInfo> table = {
      {CommandId::kList,
       {":list", ":ls"},
       ArgumentKind::kNone,
       "",
       "the statements: probes, events, events per second, cost per event"},
      {CommandId::kShow,
       {":show", ":s"},
       ArgumentKind::kStatementOrAll,
       "[N|all] [ROWS]",
       "current values of statement N (default: all), ROWS rows per metric (default 20, "
       "--top)"},
      {CommandId::kWatch,
       {":watch", ":w"},
       ArgumentKind::kStatementOrAll,
       "[N|all] [INTERVAL]",
       "values and their rates per second every INTERVAL (default 1s) until a key or Ctrl-C"},
      {CommandId::kClear,
       {":clear"},
       ArgumentKind::kStatement,
       "N",
       "reset statement N's values to zero"},
      {CommandId::kDetach,
       {":detach", ":rm"},
       ArgumentKind::kStatementOrAll,
       "N|all",
       "detach statement N (or all); detached ones are not saved"},
      {CommandId::kC,
       {":c", ":emit-c"},
       ArgumentKind::kStatement,
       "N",
       "the BPF C generated for statement N"},
      {CommandId::kDescribe,
       {":describe", ":d"},
       ArgumentKind::kProbe,
       "PROBE|EVENT|SPAN",
       "fields and types of a probe, an event or a span"},
      {CommandId::kSave,
       {":save"},
       ArgumentKind::kFile,
       "FILE",
       "write definitions and attached statements, for sonde run FILE"},
      {CommandId::kHelp, {":help", ":h", ":?"}, ArgumentKind::kNone, "", "this list"},
      {CommandId::kQuit,
       {":quit", ":q", ":exit"},
       ArgumentKind::kNone,
       "",
       "detach everything and exit (also Ctrl-D)"},
  };
  return table;
}

const CommandInfo* find_command(std::string_view name) {
  std::string spelled = name.starts_with(':') ? std::string(name) : ":" + std::string(name);
  for (const auto& c : command_table()) {
    for (const auto& n : c.names) {
      if (n == spelled) return &c;
    }
  }
  return nullptr;
}

std::vector<CommandName> command_names() {
  std::vector<CommandName> out;
  for (const auto& c : command_table()) {
    for (const auto& n : c.names) out.push_back({n, c.argument});
  }
  return out;
}

std::string help_text() {
  std::string out =
      "Type a statement to check, compile and attach it; it gets a number, [N].\n"
      "Definitions (span, event, alias, use) are kept for later statements.\n"
      "  on tracepoint:sched:sched_process_exec count by comm\n"
      "  histogram log2 latency of block rq by disk\n\n";
  for (const auto& c : command_table()) {
    std::string spelling = fmt::format("{} {}", c.names[0], c.usage);
    out += fmt::format("  {:<30} {}\n", spelling, c.help);
  }
  out +=
      "\nKeys: TAB completes, Up/Down walk the history, Ctrl-C drops the line or stops a\n"
      "watch, Ctrl-D quits. An open '{' continues the input on the next line.\n";
  return out;
}

}  // namespace sonde::repl
