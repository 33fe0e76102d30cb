// Everything a user reads about the command line, made from the tables of
// tools/cli/commands.h: --help, the man pages, bash and zsh completions.
#pragma once

#include <string>
#include <string_view>

#include "tools/cli/commands.h"

namespace sonde::cli {

std::string program_help(const Program& program);
std::string command_help(const Program& program, const Command& command);

// roff for man(7): NAME, SYNOPSIS, DESCRIPTION, COMMANDS or OPTIONS, EXAMPLES.
std::string man_page(const Program& program, std::string_view version);

// Shell completion scripts: commands, flags, flag values, files, and probe names (which
// the script asks `sonde list` for, so they are this machine's).
std::string bash_completion(const Program& program);
std::string zsh_completion(const Program& program);

}  // namespace sonde::cli
