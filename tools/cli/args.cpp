#include "tools/cli/args.h"

#include <fmt/format.h>

namespace sonde::cli {

Args::Args(const Command& command) {
  for (const Flag& f : command.flags) {
    (f.value.empty() ? switches_ : with_value_).emplace(f.name);
    if (!f.alias.empty()) aliases_.emplace(f.alias, f.name);
  }
}

bool Args::parse(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      positionals_.insert(positionals_.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      return true;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (auto a = aliases_.find(arg); a != aliases_.end()) arg = a->second;
    if (switches_.count(arg)) {
      if (inline_value) {
        error_ = fmt::format("{} takes no value", arg);
        return false;
      }
      seen_.insert(arg);
      continue;
    }
    if (!with_value_.count(arg)) {
      error_ = fmt::format("unknown option '{}' (--help lists them)", argv[i]);
      return false;
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) {
        error_ = fmt::format("{} needs a value", arg);
        return false;
      }
      inline_value = argv[++i];
    }
    values_[arg] = *inline_value;
    all_values_[arg].push_back(*inline_value);
    seen_.insert(arg);
  }
  return true;
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::values(const std::string& flag) const {
  auto it = all_values_.find(flag);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::has(const std::string& flag) const { return seen_.count(flag) > 0; }

}  // namespace sonde::cli
