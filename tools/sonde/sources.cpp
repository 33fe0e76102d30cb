#include "tools/sonde/sources.h"

#include <fmt/format.h>

#include "support/file_bytes.h"

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
    auto text = read_user_file(path);
    if (!text) {
      fmt::print(stderr, "sonde {}: {}\n", command, text.error().message);
      if (!text.error().hint.empty()) fmt::print(stderr, "hint: {}\n", text.error().hint);
      return false;
    }
    out.push_back({path, std::move(text.value())});
  }
  return true;
}

}  // namespace sonde::cli
