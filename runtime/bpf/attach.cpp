#include "runtime/bpf/attach.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "runtime/bpf/cpus.h"
#include "runtime/bpf/errno_text.h"
#include "runtime/bpf/libbpf_log.h"
#include "runtime/bpf/unique_fd.h"
#include "support/text.h"

namespace sonde::bpf {
namespace {

using spec::AttachKind;
namespace fs = std::filesystem;

constexpr int kEnotsupp = 524;  // kernel-internal ENOTSUPP leaks out of bpf(2)

std::string who(const spec::Probe& probe) {
  return probe.display.empty() ? fmt::format("BPF program '{}'", probe.program) : probe.display;
}

Error fail(const spec::Probe& probe, std::string what, std::string hint = {}) {
  return Error{fmt::format("{}: {}", who(probe), what), std::move(hint)};
}

bool exists(const char* path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string tracefs_events() {
  return exists("/sys/kernel/tracing/events") ? "/sys/kernel/tracing/events"
                                              : "/sys/kernel/debug/tracing/events";
}

std::vector<std::string> directory_names(const std::string& path) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_directory(ec)) out.push_back(entry.path().filename().string());
  }
  return out;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closest_match(name, candidates);
  return best.empty() ? std::string() : fmt::format("did you mean '{}'?", best);
}

// Messages shared by every kind, for errors that are not about the hook itself.
Error generic(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err == -EPERM || err == -EACCES) {
    return fail(probe, "not permitted to attach BPF programs",
                "run as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN");
  }
  std::string detail = warnings.last();
  std::string what = fmt::format("cannot attach: {}", errno_text(err));
  if (!detail.empty()) what += fmt::format(" ({})", detail);
  return fail(probe, std::move(what));
}

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

Error tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err != -ENOENT) return generic(probe, err, warnings);
  std::string events = tracefs_events();
  if (!exists(events.c_str())) {
    return fail(probe, "tracefs is not mounted, so tracepoints cannot be found",
                "mount -t tracefs nodev /sys/kernel/tracing");
  }
  size_t colon = probe.target.find(':');
  std::string category = probe.target.substr(0, colon);
  std::string name = colon == std::string::npos ? "" : probe.target.substr(colon + 1);
  std::string category_dir = fmt::format("{}/{}", events, category);
  if (!exists(category_dir.c_str())) {
    return fail(probe, fmt::format("this kernel has no tracepoint category '{}'", category),
                did_you_mean(category, directory_names(events)));
  }
  return fail(probe, fmt::format("this kernel has no tracepoint '{}'", probe.target),
              did_you_mean(name, directory_names(category_dir)));
}

Error raw_tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err == -ENOENT) {
    return fail(probe, fmt::format("this kernel has no raw tracepoint '{}'", probe.target),
                "raw tracepoints are named without their category (sched_switch, sys_enter)");
  }
  return generic(probe, err, warnings);
}

Error btf_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (probe.kind != AttachKind::kBtfTracepoint &&
      (err == -EPERM || err == -EOPNOTSUPP || err == -kEnotsupp || err == -EBUSY)) {
    return fail(probe, "fentry/fexit are blocked by this kernel",
                "use a tracepoint (tracepoint:, rawtracepoint:) on the same code path");
  }
  return generic(probe, err, warnings);
}

bool kprobes_available() {
  return exists("/sys/bus/event_source/devices/kprobe") ||
         exists("/sys/kernel/tracing/kprobe_events") ||
         exists("/sys/kernel/debug/tracing/kprobe_events");
}

Error kprobe_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (!kprobes_available()) {
    return fail(probe,
                "kernel-function probes are not available on this kernel (CONFIG_KPROBES is "
                "off)",
                "use a tracepoint (tracepoint:, rawtracepoint:) on the same code path");
  }
  if (err == -ENOENT || err == -EINVAL) {
    return fail(
        probe,
        fmt::format("the kernel function '{}' does not exist or cannot be probed", probe.target),
        "probe-able functions are listed in /sys/kernel/tracing/"
        "available_filter_functions");
  }
  return generic(probe, err, warnings);
}

Error user_binary_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  std::string warning = warnings.last();
  if (warning.find("failed to resolve full path") != std::string::npos) {
    return fail(probe, fmt::format("no binary or library named '{}' was found", probe.path),
                "give an absolute path");
  }
  if (warning.find("could not read elf") != std::string::npos ||
      warning.find("failed to get ehdr") != std::string::npos) {
    return fail(probe, fmt::format("'{}' is not an ELF binary", probe.path));
  }
  if (warning.find("ambiguous") != std::string::npos) {
    return fail(probe,
                fmt::format("several functions in '{}' are named '{}'", probe.path, probe.target),
                "qualify the symbol with its version, e.g. malloc@@GLIBC_2.2.5");
  }
  if (err == -ENOENT) {
    if (probe.kind == AttachKind::kUsdt) {
      return fail(
          probe,
          fmt::format("'{}' has no USDT probe '{}:{}'", probe.path, probe.provider, probe.target),
          "`readelf -n BINARY` lists its stapsdt notes");
    }
    return fail(probe, fmt::format("'{}' has no function named '{}'", probe.path, probe.target),
                "the binary may be stripped, or the function inlined or renamed");
  }
  return generic(probe, err, warnings);
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

bool is_hardware(uint32_t type) {
  return type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE || type == PERF_TYPE_RAW;
}

Error perf_event_error(const spec::Probe& probe, int err) {
  if (err == -ENOENT || err == -EOPNOTSUPP) {
    if (is_hardware(probe.perf_type) && !exists("/sys/bus/event_source/devices/cpu")) {
      return fail(probe,
                  "hardware perf events are not available here (no PMU in this virtual "
                  "machine)",
                  "software events (profile:hz:N, software:cpu-clock:N) work without one");
    }
    return fail(probe, "this machine does not provide that perf event");
  }
  if (err == -EINVAL && probe.sample_freq > 0) {
    return fail(probe, fmt::format("a sampling rate of {} Hz is not accepted", probe.sample_freq),
                "the limit is kernel.perf_event_max_sample_rate");
  }
  if (err == -EACCES || err == -EPERM) {
    return fail(probe, "not permitted to open perf events",
                "run as root or with CAP_PERFMON (see kernel.perf_event_paranoid)");
  }
  if (err == -EMFILE) {
    return fail(probe, "too many open files for one perf event per CPU", "raise ulimit -n");
  }
  return fail(probe, fmt::format("cannot open the perf event: {}", errno_text(err)));
}

Result<Links> attach_perf_event(const Object& object, const spec::Probe& probe, bpf_program* prog) {
  Result<std::vector<int>> cpus = online_cpus();
  if (!cpus.ok()) return fail(probe, cpus.error().message, cpus.error().hint);
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
    if (!link) return generic(probe, -errno, warnings);
    event.release();  // the link closes it on detach
    links.add(Link(link, object.handle()));
  }
  return links;
}

}  // namespace

Result<Links> attach(const Object& object, const spec::Probe& probe) {
  bpf_program* prog = object.program(probe.program);
  if (!prog) {
    return fail(probe, fmt::format("the BPF object has no program '{}'", probe.program));
  }
  if (bpf_program__fd(prog) < 0) {
    return fail(probe, fmt::format("its BPF program '{}' is not loaded", probe.program));
  }
  bpf_prog_type type = bpf_program__type(prog);
  if (!type_fits(probe.kind, type, bpf_program__expected_attach_type(prog))) {
    return fail(probe, fmt::format("internal error: program '{}' is a {} program, which cannot "
                                   "attach to this kind of probe",
                                   probe.program, libbpf_bpf_prog_type_str(type)));
  }
  if ((probe.kind == AttachKind::kUprobe || probe.kind == AttachKind::kUretprobe ||
       probe.kind == AttachKind::kUsdt) &&
      probe.path.find('/') != std::string::npos && !exists(probe.path.c_str())) {
    return fail(probe, fmt::format("the binary '{}' does not exist", probe.path));
  }

  LibbpfWarnings warnings;
  switch (probe.kind) {
    case AttachKind::kTracepoint: {
      size_t colon = probe.target.find(':');
      if (colon == std::string::npos) {
        return fail(probe, fmt::format("internal error: tracepoint target '{}' is not "
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
  return fail(probe, "internal error: unknown probe kind");
}

Result<Links> attach_all(const Object& object, std::span<const spec::Probe> probes) {
  Links all;
  for (const spec::Probe& probe : probes) {
    Result<Links> links = attach(object, probe);
    if (!links.ok()) return links.error();  // `all` detaches as it goes out of scope
    all.add(std::move(*links));
  }
  return all;
}

AttachReport attach_each(const Object& object, std::span<const spec::Probe> probes) {
  AttachReport report;
  for (size_t i = 0; i < probes.size(); ++i) {
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
