// The subcommands of `sonde`. Each returns the process exit code: 0 on success, 1
// when the program or the system said no (diagnostics printed), 2 for usage errors.
#pragma once

#include <string>
#include <vector>

namespace sonde::cli {

int run_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args);
int emit_c_command(const std::vector<std::string>& args);
int list_command(const std::vector<std::string>& args);
int build_command(const std::vector<std::string>& args);
int repl_command(const std::vector<std::string>& args);
int rules_command(const std::vector<std::string>& args);
int dashboard_command(const std::vector<std::string>& args);

}  // namespace sonde::cli
