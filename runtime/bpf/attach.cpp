#include "runtime/bpf/attach.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>

#include "runtime/bpf/attach_errors.h"
#include "runtime/bpf/cpus.h"
#include "runtime/bpf/libbpf_log.h"
#include "support/unique_fd.h"

namespace sonde::bpf {
namespace {

using spec::AttachKind;

// The program type a probe kind needs: a mismatch is a compiler bug, said plainly.
bool type_fits(AttachKind kind, bpf_prog_type type, bpf_attach_type attach) {
  switch (kind) {
    case AttachKind::kTracepoint:
      return type == BPF_PROG_TYPE_TRACEPOINT;
    case AttachKind::kRawTracepoint:
      return type == BPF_PROG_TYPE_RAW_TRACEPOINT || type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
    case AttachKind::kBtfTracepoint:
      return type == BPF_PROG_TYPE_TRACING && attach == BPF_TRACE_RAW_TP;
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
    case AttachKind::kUsdt:
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe:
      return type == BPF_PROG_TYPE_KPROBE;
    case AttachKind::kPerfEvent:
      return type == BPF_PROG_TYPE_PERF_EVENT;
    case AttachKind::kFentry:
      return type == BPF_PROG_TYPE_TRACING && attach == BPF_TRACE_FENTRY;
    case AttachKind::kFexit:
      return type == BPF_PROG_TYPE_TRACING && attach == BPF_TRACE_FEXIT;
  }
  return false;
}

Result<Links> one(const Object& object, const spec::Probe& probe, bpf_link* link,
                  const LibbpfWarnings& warnings,
                  Error (*explain)(const spec::Probe&, int, const LibbpfWarnings&)) {
  if (!link) return explain(probe, -errno, warnings);
  Links links;
  links.add(Link(link, object.handle()));
  return links;
}

Result<Links> attach_uprobe(const Object& object, const spec::Probe& probe, bpf_program* prog) {
  LibbpfWarnings warnings;
  DECLARE_LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = probe.kind == AttachKind::kUretprobe,
                      .func_name = probe.target.c_str());
  bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, probe.path.c_str(), 0, &opts);
  return one(object, probe, link, warnings, user_binary_error);
}

Result<Links> attach_usdt(const Object& object, const spec::Probe& probe, bpf_program* prog) {
  LibbpfWarnings warnings;
  bpf_link* link = bpf_program__attach_usdt(prog, -1, probe.path.c_str(), probe.provider.c_str(),
                                            probe.target.c_str(), nullptr);
  return one(object, probe, link, warnings, user_binary_error);
}

Result<Links> attach_perf_event(const Object& object, const spec::Probe& probe, bpf_program* prog) {
  Result<std::vector<int>> cpus = online_cpus();
  if (!cpus.ok()) return probe_error(probe, cpus.error().message, cpus.error().hint);
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = probe.perf_type;
  attr.config = probe.perf_config;
  attr.disabled = 1;  // libbpf enables it once the program is attached
  if (probe.sample_freq > 0) {
    attr.freq = 1;
    attr.sample_freq = probe.sample_freq;
  } else {
    attr.sample_period = probe.sample_period;
  }
  Links links;
  for (int cpu : *cpus) {
    UniqueFd event(
        static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC)));
    if (!event.valid()) return perf_event_error(probe, -errno);
    LibbpfWarnings warnings;
    bpf_link* link = bpf_program__attach_perf_event(prog, event.get());
    if (!link) return generic_attach_error(probe, -errno, warnings);
    event.release();  // the link closes it on detach
    links.add(Link(link, object.handle()));
  }
  return links;
}

}  // namespace

Result<Links> attach(const Object& object, const spec::Probe& probe) {
  bpf_program* prog = object.program(probe.program);
  if (!prog) {
    return probe_error(probe, fmt::format("the BPF object has no program '{}'", probe.program));
  }
  if (bpf_program__fd(prog) < 0) {
    return probe_error(probe, fmt::format("its BPF program '{}' is not loaded", probe.program));
  }
  bpf_prog_type type = bpf_program__type(prog);
  if (!type_fits(probe.kind, type, bpf_program__expected_attach_type(prog))) {
    return probe_error(probe,
                       fmt::format("internal error: program '{}' is a {} program, which cannot "
                                   "attach to this kind of probe",
                                   probe.program, libbpf_bpf_prog_type_str(type)));
  }
  std::error_code missing;
  if ((probe.kind == AttachKind::kUprobe || probe.kind == AttachKind::kUretprobe ||
       probe.kind == AttachKind::kUsdt) &&
      probe.path.find('/') != std::string::npos && !std::filesystem::exists(probe.path, missing)) {
    return probe_error(probe, fmt::format("the binary '{}' does not exist", probe.path));
  }

  LibbpfWarnings warnings;
  switch (probe.kind) {
    case AttachKind::kTracepoint: {
      size_t colon = probe.target.find(':');
      if (colon == std::string::npos) {
        return probe_error(probe, fmt::format("internal error: tracepoint target '{}' is not "
                                              "'category:name'",
                                              probe.target));
      }
      std::string category = probe.target.substr(0, colon);
      std::string name = probe.target.substr(colon + 1);
      return one(object, probe,
                 bpf_program__attach_tracepoint(prog, category.c_str(), name.c_str()), warnings,
                 tracepoint_error);
    }
    case AttachKind::kRawTracepoint:
      return one(object, probe, bpf_program__attach_raw_tracepoint(prog, probe.target.c_str()),
                 warnings, raw_tracepoint_error);
    case AttachKind::kBtfTracepoint:
    case AttachKind::kFentry:
    case AttachKind::kFexit:
      return one(object, probe, bpf_program__attach_trace(prog), warnings, btf_error);
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe: {
      DECLARE_LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = probe.kind == AttachKind::kKretprobe);
      return one(object, probe, bpf_program__attach_kprobe_opts(prog, probe.target.c_str(), &opts),
                 warnings, kprobe_error);
    }
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
      return attach_uprobe(object, probe, prog);
    case AttachKind::kUsdt:
      return attach_usdt(object, probe, prog);
    case AttachKind::kPerfEvent:
      return attach_perf_event(object, probe, prog);
  }
  return probe_error(probe, "internal error: unknown probe kind");
}

namespace {

// The earlier probe naming the same program as probes[i], if any: statements on one hook
// share a program (spec::Probe::program), attached once for all of them.
std::optional<size_t> shared_with(std::span<const spec::Probe> probes, size_t i) {
  for (size_t j = 0; j < i; ++j) {
    if (probes[j].program == probes[i].program) return j;
  }
  return std::nullopt;
}

}  // namespace

Result<Links> attach_all(const Object& object, std::span<const spec::Probe> probes) {
  Links all;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (shared_with(probes, i)) continue;
    Result<Links> links = attach(object, probes[i]);
    if (!links.ok()) return links.error();  // `all` detaches as it goes out of scope
    all.add(std::move(*links));
  }
  return all;
}

AttachReport attach_each(const Object& object, std::span<const spec::Probe> probes) {
  AttachReport report;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (auto j = shared_with(probes, i)) {
      // Attached with probe j, or failed with it.
      for (const auto& f : report.failures) {
        if (f.probe == *j) {
          report.failures.push_back({i, f.error});
          break;
        }
      }
      continue;
    }
    Result<Links> links = attach(object, probes[i]);
    if (links.ok()) {
      report.links.add(std::move(*links));
    } else {
      report.failures.push_back({i, links.error()});
    }
  }
  return report;
}

}  // namespace sonde::bpf
