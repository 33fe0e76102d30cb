#include "tools/sonde-agent/agent.h"

#include <fmt/format.h>

#include "runtime/bpf/validate_object.h"
#include "runtime/spec/validate.h"

namespace sonde::agent {

void print_error(const Error& e, const char* severity) {
  fmt::print(stderr, "{}: {}\n", severity, e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

bool read_bundles(const std::vector<std::string>& paths, std::span<const spec::SigningKey> trusted,
                  std::vector<LoadedBundle>& out) {
  for (const auto& path : paths) {
    auto bundle = spec::read_bundle(path);
    if (!bundle) {
      print_error(bundle.error());
      return false;
    }
    // Before anything else looks at its contents: an untrusted bundle is not parsed by
    // libbpf either.
    if (auto st = spec::check_trusted(*bundle, path, trusted); !st) {
      print_error(st.error());
      return false;
    }
    // `sonde build` refuses `print`; a bundle holding one was made otherwise, and the
    // agent has no one to show events to.
    for (const auto& program : bundle->programs) {
      if (program.events.empty()) continue;
      const auto& e = program.events.front();
      print_error({fmt::format("{}: {}: 'print' shows events while you explore; sonde-agent "
                               "exports metrics only",
                               path, e.origin),
                   "aggregate the events instead (e.g. 'count by comm') and build the bundle "
                   "again with 'sonde build'"});
      return false;
    }
    for (size_t i = 0; i < bundle->programs.size(); ++i) {
      const auto& program = bundle->programs[i];
      if (auto st = bpf::validate_program(program, spec::program_place(path, i, program)); !st) {
        print_error(st.error());
        return false;
      }
    }
    out.push_back({path, std::move(bundle.value())});
  }
  return true;
}

bool start(std::vector<LoadedBundle>& bundles, const session::Options& options, Started& out) {
  for (auto& b : bundles) {
    for (auto& program : b.bundle.programs) {
      out.probes += program.probes.size();
      std::vector<spec::Probe> probes = program.probes;
      auto s = session::Session::start(std::move(program), options);
      if (!s) {
        print_error(s.error(), options.strict ? "error" : "warning");
        if (options.strict) return false;
        out.not_started.insert(out.not_started.end(), probes.begin(), probes.end());
        continue;
      }
      for (const auto& f : (*s)->failures()) print_error(f.error, "warning");
      if (options.verbose && !(*s)->whole_btf_reason().empty()) {
        fmt::print(stderr, "note: {}: libbpf relocates against the whole kernel BTF: {}\n", b.path,
                   (*s)->whole_btf_reason());
      }
      out.attached += (*s)->attached_probes();
      out.sessions.push_back(std::move(s.value()));
    }
  }
  if (out.attached == 0) {
    print_error({"no probe could be attached", "the warnings above say why for each probe"});
    return false;
  }
  return true;
}

namespace {

std::string signed_by(const spec::Bundle& b) {
  return b.signature ? "signed by " + spec::fingerprint(b.signature->public_key) : "unsigned";
}

}  // namespace

std::string describe(const std::vector<LoadedBundle>& bundles) {
  std::string out;
  for (const auto& b : bundles) {
    out += fmt::format("{}: format version {}, checksum {:08x}, built by {} on Linux {}, {}\n",
                       b.path, spec::kBundleFormatVersion, b.bundle.checksum, b.bundle.producer,
                       b.bundle.build_kernel, signed_by(b.bundle));
    for (const auto& p : b.bundle.programs) {
      std::string names;
      for (const auto& n : p.source_names) names += (names.empty() ? "" : ", ") + n;
      out += fmt::format("  program from {} ({} bytes of BPF)\n", names, p.object.size());
      for (const auto& probe : p.probes)
        out += fmt::format("    probe  {}  ({})\n", probe.display, probe.origin);
      for (const auto& m : p.metrics) {
        std::string capacity = m.keyed ? fmt::format(", capacity {}", m.max_entries) : "";
        if (m.keyed && m.ttl_ns > 0) capacity += fmt::format(", ttl {}s", m.ttl_ns / 1'000'000'000);
        out += fmt::format("    metric {}{}  <- {}\n", m.name, capacity, m.source);
      }
    }
  }
  return out;
}

}  // namespace sonde::agent
