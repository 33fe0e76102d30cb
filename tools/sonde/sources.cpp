#include "tools/sonde/sources.h"

#include <fmt/format.h>

#include "support/text.h"

namespace sonde::cli {

bool load_sources(const Args& args, const char* command, std::vector<Source>& out) {
  if (auto text = args.value("--expr")) {
    if (!args.positionals().empty()) {
      fmt::print(stderr, "sonde {}: give either -e PROGRAM or files, not both\n", command);
      return false;
    }
    out.push_back({"<input>", *text});
    return true;
  }
  if (args.positionals().empty()) {
    fmt::print(stderr, "sonde {}: no program: give -e 'PROGRAM' or a FILE\n", command);
    return false;
  }
  for (const auto& path : args.positionals()) {
    std::string text;
    if (!read_file(path, text)) {
      fmt::print(stderr, "sonde {}: cannot read '{}': {}\n", command, path, strerror(errno));
      return false;
    }
    out.push_back({path, std::move(text)});
  }
  return true;
}

}  // namespace sonde::cli
