// sonde rules, sonde dashboard: what Prometheus and Grafana need to watch a program,
// made from its spec (no BPF object is built).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "compiler/driver/compiler.h"
#include "runtime/export/slo_rules.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {
namespace {

// The programs of the sources, lowered; false when one does not check.
bool lower_sources(const std::vector<Source>& sources, std::vector<spec::Program>& out) {
  driver::Compiler compiler;
  for (const auto& s : sources) {
    auto c = compiler.lower(s.name, s.text);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    if (!c.ok) return false;
    out.push_back(std::move(c.program));
  }
  return true;
}

std::vector<const spec::Program*> pointers(const std::vector<spec::Program>& programs) {
  std::vector<const spec::Program*> out;
  out.reserve(programs.size());
  for (const auto& p : programs) out.push_back(&p);
  return out;
}

// "1/60", "0.5", "2": a positive factor.
bool parse_scale(const std::string& text, double& out) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '/') {
    const char* denominator = end + 1;
    double d = std::strtod(denominator, &end);
    v = end != denominator && d > 0 ? v / d : 0;
  }
  out = v;
  return end != text.c_str() && *end == '\0' && v > 0 && v <= 1000;
}

}  // namespace

int rules_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("rules"));
  if (auto exit = parse_command("rules", argv, args)) return *exit;
  exporter::RulesOptions options;
  if (auto scale = args.value("--time-scale"); scale && !parse_scale(*scale, options.time_scale)) {
    fmt::print(stderr,
               "sonde rules: --time-scale takes a positive factor up to 1000 (0.5, 1/60), not "
               "'{}'\n",
               *scale);
    return 2;
  }
  std::vector<Source> sources;
  if (!load_sources(args, "rules", sources)) return 2;
  std::vector<spec::Program> programs;
  if (!lower_sources(sources, programs)) return 1;
  size_t slos = 0;
  for (const auto& p : programs) slos += p.slos.size();
  if (slos == 0) {
    fmt::print(stderr,
               "note: the program states no SLO, so only sonde's own alerts are printed; "
               "add one like: slo \"reads under 10ms\" objective 99.5%: METRIC <= 10ms\n");
  }
  fmt::print("{}", exporter::prometheus_rules(pointers(programs), options));
  return 0;
}

int dashboard_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("dashboard"));
  if (auto exit = parse_command("dashboard", argv, args)) return *exit;
  std::vector<Source> sources;
  if (!load_sources(args, "dashboard", sources)) return 2;
  std::vector<spec::Program> programs;
  if (!lower_sources(sources, programs)) return 1;
  std::string title = args.value("--title").value_or("");
  if (title.empty()) {
    title = "sonde: ";
    for (size_t i = 0; i < sources.size(); ++i) title += (i ? ", " : "") + sources[i].name;
  }
  fmt::print("{}", exporter::grafana_dashboard(pointers(programs), title));
  return 0;
}

}  // namespace sonde::cli
