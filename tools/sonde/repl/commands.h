// The REPL's commands: their names, what their argument is, and their help. The
// handlers are Shell's (shell_commands.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/sonde/repl/completion.h"

namespace sonde::repl {

enum class CommandId { kHelp, kShow, kWatch, kList, kDetach, kC, kDescribe, kClear, kSave, kQuit };

struct CommandInfo {
  CommandId id;
  std::vector<std::string> names;  // the first is the name shown; the others are short forms
  ArgumentKind argument;
  const char* usage;  // arguments, as shown by :help
  const char* help;
};

const std::vector<CommandInfo>& command_table();
// nullptr when `name` ("show", ":show", ":s") is no command.
const CommandInfo* find_command(std::string_view name);
// Every spelling, for completion.
std::vector<CommandName> command_names();
// What :help prints.
std::string help_text();

}  // namespace sonde::repl
