// Where a command's program comes from: `-e TEXT` (any number) or files.
#pragma once

#include <string>
#include <vector>

#include "tools/cli/args.h"

namespace sonde::cli {

struct Source {
  std::string name;  // the path; "<input>" for -e ("<input 2>": the second of several)
  std::string text;
};

// Reads the program(s) named by `-e` or the positionals; prints an error and returns
// false when there are none or a file cannot be read.
bool load_sources(const Args& args, const char* command, std::vector<Source>& out);

}  // namespace sonde::cli
