// A small command-line parser: flags with values, boolean switches, positionals, from a
// command's table (tools/cli/commands.h). Errors are messages for the user, never
// exceptions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/cli/commands.h"

namespace sonde::cli {

class Args {
 public:
  explicit Args(const Command& command);

  // False with `error()` set on an unknown flag or a missing value.
  bool parse(const std::vector<std::string>& argv);
  const std::string& error() const { return error_; }

  std::optional<std::string> value(const std::string& flag) const;  // the last one given
  std::vector<std::string> values(const std::string& flag) const;   // each, in order
  bool has(const std::string& flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::set<std::string> with_value_, switches_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_values_;
  std::set<std::string> seen_;
  std::vector<std::string> positionals_;
  std::string error_;
};

}  // namespace sonde::cli
