// Writes the man pages and shell completions of sonde and sonde-agent from their
// command tables, at build time:
//   sonde-docgen DIR VERSION -> DIR/sonde.1 DIR/sonde-agent.1 DIR/sonde.bash
//                               DIR/sonde-agent.bash DIR/_sonde DIR/_sonde-agent
#include <fmt/format.h>

#include <fstream>

#include "tools/cli/help.h"

int main(int argc, char** argv) {
  using namespace sonde::cli;
  if (argc != 3) {
    fmt::print(stderr, "usage: sonde-docgen DIR VERSION\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (const Program* p : {&sonde_program(), &agent_program()}) {
    const std::string name(p->name);
    const std::pair<std::string, std::string> files[] = {
        {name + ".1", man_page(*p, argv[2])},
        {name + ".bash", bash_completion(*p)},
        {"_" + name, zsh_completion(*p)},
    };
    for (const auto& [file, text] : files) {
      std::ofstream out(fmt::format("{}/{}", dir, file));
      out << text;
      if (!out) {
        fmt::print(stderr, "sonde-docgen: cannot write {}/{}\n", dir, file);
        return 1;
      }
    }
  }
  return 0;
}
