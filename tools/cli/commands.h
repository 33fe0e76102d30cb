// The command lines of `sonde` and `sonde-agent`, as data: every command, its flags and
// their help, in one table that the parsers, `--help`, the man pages and the shell
// completions are all made from, so they cannot disagree.
#pragma once

#include <string_view>
#include <vector>

namespace sonde::cli {

struct Flag {
  std::string_view name;   // "--listen"
  std::string_view alias;  // "-l", or empty
  std::string_view value;  // "HOST:PORT" for a flag that takes one; empty for a switch
  std::string_view help;
  // What completes the value: "file", "bundle", "duration", "format", or empty.
  std::string_view completes = {};
};

struct Command {
  std::string_view name;      // "run"; empty for a program with no subcommands
  std::string_view operands;  // "-e 'PROGRAM' | FILE..."
  std::string_view summary;   // one line
  std::string_view description;
  std::vector<Flag> flags;
  // What completes the operands: "file", "bundle", "probe" (probe names, from
  // `sonde list`), or empty.
  std::string_view completes = {};
};

struct Program {
  std::string_view name;     // "sonde"
  std::string_view summary;  // one line, for the man page's NAME
  std::string_view description;
  std::vector<Command> commands;  // one, unnamed, for sonde-agent
  std::string_view examples;

  const Command* command(std::string_view name) const;
};

const Program& sonde_program();
const Program& agent_program();

}  // namespace sonde::cli
