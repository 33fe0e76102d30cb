#include "runtime/bpf/attach_errors.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/perf_event.h>

#include <cerrno>
#include <filesystem>

#include "runtime/bpf/errno_text.h"
#include "runtime/bpf/privileges.h"
#include "support/text.h"

namespace sonde::bpf {
namespace {

using spec::AttachKind;
namespace fs = std::filesystem;

constexpr int kEnotsupp = 524;  // kernel-internal ENOTSUPP leaks out of bpf(2)

std::string who(const spec::Probe& probe) {
  return probe.display.empty() ? fmt::format("BPF program '{}'", probe.program) : probe.display;
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

bool kprobes_available() {
  return exists("/sys/bus/event_source/devices/kprobe") ||
         exists("/sys/kernel/tracing/kprobe_events") ||
         exists("/sys/kernel/debug/tracing/kprobe_events");
}

bool is_hardware(uint32_t type) {
  return type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE || type == PERF_TYPE_RAW;
}

}  // namespace

Error probe_error(const spec::Probe& probe, std::string what, std::string hint) {
  return Error{fmt::format("{}: {}", who(probe), what), std::move(hint)};
}

// Messages shared by every kind, for errors that are not about the hook itself.
Error generic_attach_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err == -EPERM || err == -EACCES) {
    Error e = permission_error("attach BPF programs");
    return probe_error(probe, e.message, e.hint);
  }
  std::string detail = warnings.last();
  std::string what = fmt::format("cannot attach: {}", errno_text(err));
  if (!detail.empty()) what += fmt::format(" ({})", detail);
  return probe_error(probe, std::move(what));
}

Error tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err == -E2BIG) {
    // The kernel keeps one array of programs per tracepoint (BPF_TRACE_MAX_PROGS).
    return probe_error(
        probe,
        "the kernel allows at most 64 BPF programs on one tracepoint, and this "
        "one would be past them (other tools' programs count too)",
        "sonde loads one program per statement and probe: fewer statements on "
        "this tracepoint, or the same hook as a raw tracepoint (rawtracepoint:NAME), "
        "which has no such limit");
  }
  if (err != -ENOENT) return generic_attach_error(probe, err, warnings);
  std::string events = tracefs_events();
  if (!exists(events.c_str())) {
    return probe_error(probe, "tracefs is not mounted, so tracepoints cannot be found",
                       "mount -t tracefs nodev /sys/kernel/tracing");
  }
  size_t colon = probe.target.find(':');
  std::string category = probe.target.substr(0, colon);
  std::string name = colon == std::string::npos ? "" : probe.target.substr(colon + 1);
  std::string category_dir = fmt::format("{}/{}", events, category);
  if (!exists(category_dir.c_str())) {
    return probe_error(probe, fmt::format("this kernel has no tracepoint category '{}'", category),
                       did_you_mean(category, directory_names(events), ""));
  }
  return probe_error(probe, fmt::format("this kernel has no tracepoint '{}'", probe.target),
                     did_you_mean(name, directory_names(category_dir), ""));
}

Error raw_tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (err == -ENOENT) {
    return probe_error(
        probe, fmt::format("this kernel has no raw tracepoint '{}'", probe.target),
        "raw tracepoints are named without their category (sched_switch, sys_enter)");
  }
  return generic_attach_error(probe, err, warnings);
}

Error btf_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (probe.kind != AttachKind::kBtfTracepoint &&
      (err == -EPERM || err == -EOPNOTSUPP || err == -kEnotsupp || err == -EBUSY)) {
    return probe_error(probe, "fentry/fexit are blocked by this kernel",
                       "use a tracepoint (tracepoint:, rawtracepoint:) on the same code path");
  }
  return generic_attach_error(probe, err, warnings);
}

Error kprobe_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  if (!kprobes_available()) {
    return probe_error(probe,
                       "kernel-function probes are not available on this kernel (CONFIG_KPROBES is "
                       "off)",
                       "use a tracepoint (tracepoint:, rawtracepoint:) on the same code path");
  }
  if (err == -ENOENT || err == -EINVAL) {
    return probe_error(
        probe,
        fmt::format("the kernel function '{}' does not exist or cannot be probed", probe.target),
        "probe-able functions are listed in /sys/kernel/tracing/"
        "available_filter_functions");
  }
  return generic_attach_error(probe, err, warnings);
}

Error user_binary_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings) {
  std::string warning = warnings.last();
  if (warning.find("failed to resolve full path") != std::string::npos) {
    return probe_error(probe, fmt::format("no binary or library named '{}' was found", probe.path),
                       "give an absolute path");
  }
  if (warning.find("could not read elf") != std::string::npos ||
      warning.find("failed to get ehdr") != std::string::npos) {
    return probe_error(probe, fmt::format("'{}' is not an ELF binary", probe.path));
  }
  if (warning.find("ambiguous") != std::string::npos) {
    return probe_error(
        probe, fmt::format("several functions in '{}' are named '{}'", probe.path, probe.target),
        "qualify the symbol with its version, e.g. malloc@@GLIBC_2.2.5");
  }
  if (err == -ENOENT) {
    if (probe.kind == AttachKind::kUsdt) {
      return probe_error(
          probe,
          fmt::format("'{}' has no USDT probe '{}:{}'", probe.path, probe.provider, probe.target),
          "`readelf -n BINARY` lists its stapsdt notes");
    }
    return probe_error(probe,
                       fmt::format("'{}' has no function named '{}'", probe.path, probe.target),
                       "the binary may be stripped, or the function inlined or renamed");
  }
  return generic_attach_error(probe, err, warnings);
}

Error perf_event_error(const spec::Probe& probe, int err) {
  if (err == -ENOENT || err == -EOPNOTSUPP) {
    if (is_hardware(probe.perf_type) && !exists("/sys/bus/event_source/devices/cpu")) {
      return probe_error(probe,
                         "hardware perf events are not available here (no PMU in this virtual "
                         "machine)",
                         "software events (profile:hz:N, software:cpu-clock:N) work without one");
    }
    return probe_error(probe, "this machine does not provide that perf event");
  }
  if (err == -EINVAL && probe.sample_freq > 0) {
    return probe_error(probe,
                       fmt::format("a sampling rate of {} Hz is not accepted", probe.sample_freq),
                       "the limit is kernel.perf_event_max_sample_rate");
  }
  if (err == -EACCES || err == -EPERM) {
    Error e = permission_error("open perf events");
    return probe_error(probe, e.message, e.hint);
  }
  if (err == -EMFILE) {
    return probe_error(probe, "too many open files for one perf event per CPU", "raise ulimit -n");
  }
  return probe_error(probe, fmt::format("cannot open the perf event: {}", errno_text(err)));
}

}  // namespace sonde::bpf
