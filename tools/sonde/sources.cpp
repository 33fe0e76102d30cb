#include "tools/sonde/sources.h"

#include <fmt/format.h>

#include "support/file_bytes.h"

namespace sonde::cli {

bool load_sources(const Args& args, const char* command, std::vector<Source>& out) {
  if (const std::vector<std::string> texts = args.values("--expr"); !texts.empty()) {
    if (!args.positionals().empty()) {
      fmt::print(stderr, "sonde {}: give either -e PROGRAM or files, not both\n", command);
      return false;
    }
    // Each -e is a source of its own, so that a location says which one it is in.
    for (size_t i = 0; i < texts.size(); ++i) {
      out.push_back({texts.size() == 1 ? std::string("<input>") : fmt::format("<input {}>", i + 1),
                     texts[i]});
    }
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
