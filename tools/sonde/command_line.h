// What every `sonde` command does first: its arguments parsed from its table
// (tools/cli/commands.cpp), `--help` answered, usage errors said the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/cli/args.h"

namespace sonde::cli {

const Command& sonde_command(const char* name);

// Parses `argv` for the command; nullopt to go on, else the exit code to return now:
// 0 after printing --help, 2 after a usage error.
std::optional<int> parse_command(const char* name, const std::vector<std::string>& argv,
                                 Args& args);

// "sonde NAME: MESSAGE" on stderr; returns 2.
int usage_error(const char* name, const std::string& message);

}  // namespace sonde::cli
