// sonde build: compile once, on a build host, into a bundle that `sonde-agent` runs on
// hosts without a compiler. One program per source file.
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "compiler/driver/compiler.h"
#include "runtime/bpf/validate_object.h"
#include "runtime/session/session.h"
#include "runtime/spec/bundle.h"
#include "runtime/spec/metric_names.h"
#include "runtime/spec/signature.h"
#include "runtime/spec/validate.h"
#include "tools/sonde/capacity_flag.h"
#include "tools/sonde/command_line.h"
#include "tools/sonde/commands.h"
#include "tools/sonde/sources.h"

namespace sonde::cli {

int build_command(const std::vector<std::string>& argv) {
  Args args(sonde_command("build"));
  if (auto exit = parse_command("build", argv, args)) return *exit;
  auto output = args.value("--output");
  if (!output) {
    fmt::print(stderr, "sonde build: say where to write the bundle: -o FILE.bundle\n");
    return 2;
  }
  driver::Options options;
  options.sema.events = false;  // sonde-agent exports metrics; `print` is for exploring
  if (!parse_capacity_flag(args, "build", options)) return 2;
  if (!parse_window_flag(args, "build", options)) return 2;
  std::optional<std::chrono::nanoseconds> series_ttl;
  if (auto flag = args.value("--series-ttl")) {
    auto ttl = session::parse_series_ttl(*flag);
    if (!ttl) {
      fmt::print(stderr, "sonde build: {}\n", ttl.error().message);
      return 2;
    }
    series_ttl = *ttl;
  }
  std::vector<Source> sources;
  if (!load_sources(args, "build", sources)) return 2;
  std::optional<spec::SigningKey> key;
  if (auto path = args.value("--sign")) {
    auto read = spec::SigningKey::read_private(*path);
    if (!read) {
      fmt::print(stderr, "sonde build: {}\nhint: {}\n", read.error().message, read.error().hint);
      return 2;
    }
    key = std::move(read.value());
  }

  spec::Bundle bundle;
  bundle.producer = "sonde " SONDE_VERSION;
  utsname host{};
  if (uname(&host) == 0) bundle.build_kernel = host.release;
  driver::Compiler compiler(options);
  size_t probes = 0, metrics = 0;
  for (const auto& s : sources) {
    auto c = compiler.compile(s.name, s.text);
    fmt::print(stderr, "{}", compiler.render(isatty(STDERR_FILENO)));
    if (!c.ok) return 1;
    if (series_ttl) session::set_series_ttl(c.program, *series_ttl);
    probes += c.program.probes.size();
    metrics += c.program.metrics.size();
    bundle.programs.push_back(std::move(c.program));
  }
  std::vector<const spec::Program*> all;
  for (const auto& p : bundle.programs) all.push_back(&p);
  if (std::string dup = spec::duplicate_metric(all); !dup.empty()) {
    fmt::print(stderr, "error: {}\nhint: /metrics shows a name once; rename one with 'as NAME'\n",
               dup);
    return 1;
  }
  // What sonde-agent will check, checked before anything is written: a bundle this
  // sonde writes is one its agent runs.
  for (size_t i = 0; i < bundle.programs.size(); ++i) {
    const auto& p = bundle.programs[i];
    if (auto st = bpf::validate_program(p, spec::program_place(*output, i, p)); !st) {
      fmt::print(stderr, "error: {}\n", st.error().message);
      return 1;
    }
  }
  if (key) {
    if (auto st = spec::sign_bundle(bundle, *key); !st) {
      fmt::print(stderr, "error: {}\n", st.error().message);
      return 1;
    }
  }
  if (auto st = spec::write_bundle(*output, bundle); !st) {
    fmt::print(stderr, "error: {}\n", st.error().message);
    return 1;
  }
  fmt::print(stderr, "wrote {}: {} program{}, {} probe{}, {} metric{}{}\n", *output,
             bundle.programs.size(), bundle.programs.size() == 1 ? "" : "s", probes,
             probes == 1 ? "" : "s", metrics, metrics == 1 ? "" : "s",
             key ? ", signed by " + key->fingerprint() : "");
  return 0;
}

}  // namespace sonde::cli
