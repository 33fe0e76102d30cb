// A small command-line parser: flags with values, boolean switches, positionals.
// Errors are messages for the user, never exceptions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sonde::cli {

class Args {
 public:
  // `with_value`: flags that take a value ("--listen ADDR" or "--listen=ADDR");
  // `switches`: flags that do not. Short aliases map to long names ("-e" -> "--expr").
  Args(std::set<std::string> with_value, std::set<std::string> switches,
       std::map<std::string, std::string> aliases = {});

  // False with `error()` set on an unknown flag or a missing value.
  bool parse(const std::vector<std::string>& argv);
  const std::string& error() const { return error_; }

  std::optional<std::string> value(const std::string& flag) const;
  bool has(const std::string& flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::set<std::string> with_value_, switches_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> values_;
  std::set<std::string> seen_;
  std::vector<std::string> positionals_;
  std::string error_;
};

}  // namespace sonde::cli
