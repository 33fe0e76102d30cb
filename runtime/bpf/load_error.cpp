#include "runtime/bpf/load_error.h"

#include <bpf/bpf.h>
#include <fmt/format.h>

#include <cerrno>

#include "runtime/bpf/errno_text.h"
#include "runtime/bpf/privileges.h"
#include "runtime/bpf/verifier_log.h"

namespace sonde::bpf {
namespace {

constexpr std::string_view kVerboseHint = "--verbose shows the full verifier log";

bool is_function_hook(const LoadFailure& f) {
  return f.program_type == BPF_PROG_TYPE_TRACING &&
         (f.attach_type == BPF_TRACE_FENTRY || f.attach_type == BPF_TRACE_FEXIT ||
          f.attach_type == BPF_MODIFY_RETURN);
}

bool is_btf_tracepoint(const LoadFailure& f) {
  return f.program_type == BPF_PROG_TYPE_TRACING && f.attach_type == BPF_TRACE_RAW_TP;
}

// The quoted name in "...failed to find kernel BTF type ID of 'NAME': -3".
std::string missing_btf_target(const std::vector<std::string>& warnings) {
  constexpr std::string_view marker = "BTF type ID of '";
  for (auto it = warnings.rbegin(); it != warnings.rend(); ++it) {
    size_t at = it->find(marker);
    if (at == std::string::npos) continue;
    size_t begin = at + marker.size();
    size_t end = it->find('\'', begin);
    if (end != std::string::npos) return it->substr(begin, end - begin);
  }
  return {};
}

std::string with_hint(std::string_view hint) {
  return hint.empty() ? std::string(kVerboseHint) : fmt::format("{}; {}", hint, kVerboseHint);
}

// A BTF tracepoint or fentry/fexit target the kernel's BTF does not have (ESRCH).
Error describe_missing_target(const LoadFailure& f, std::string_view target) {
  if (is_btf_tracepoint(f)) {
    return Error{fmt::format("{}: this kernel has no BTF tracepoint '{}'", f.who, target),
                 "BTF tracepoints are named without their category (sched_switch, sys_enter)"};
  }
  return Error{fmt::format("{}: this kernel has no function '{}' in its BTF", f.who, target),
               "the function may be inlined, static, or renamed in this kernel version"};
}

}  // namespace

std::string program_of_warning(std::string_view warning) {
  constexpr std::string_view prefix = "prog '";
  if (warning.substr(0, prefix.size()) != prefix) return {};
  size_t end = warning.find('\'', prefix.size());
  if (end == std::string_view::npos) return {};
  return std::string(warning.substr(prefix.size(), end - prefix.size()));
}

Error describe_load_failure(const LoadFailure& f) {
  // The kernel refuses function hooks before verifying anything.
  if (is_function_hook(f) &&
      (f.err == -EPERM || f.err == -EACCES || f.err == -EOPNOTSUPP || f.err == -524)) {
    return Error{fmt::format("{}: fentry/fexit are blocked by this kernel", f.who),
                 "use a tracepoint (tracepoint:, rawtracepoint:) on the same code path"};
  }
  if (f.err == -ESRCH && (is_btf_tracepoint(f) || is_function_hook(f))) {
    return describe_missing_target(f, missing_btf_target(f.libbpf_warnings));
  }
  if (!f.verifier_log.empty()) {
    VerifierDiagnosis diagnosis = diagnose_verifier_log(f.verifier_log);
    std::string message =
        fmt::format("{}: rejected by the BPF verifier: {}", f.who, diagnosis.message);
    if (!diagnosis.source_line.empty()) message += fmt::format(" (at: {})", diagnosis.source_line);
    return Error{std::move(message), with_hint(diagnosis.hint)};
  }
  if (f.err == -EPERM || f.err == -EACCES) {
    Error e = permission_error("load BPF programs");
    return Error{fmt::format("{}: {}", f.who, e.message), e.hint};
  }
  std::string detail = f.libbpf_warnings.empty() ? std::string() : f.libbpf_warnings.back();
  std::string message =
      fmt::format("{}: the kernel refused to load it: {}", f.who, errno_text(f.err));
  if (!detail.empty()) message += fmt::format(" ({})", detail);
  return Error{std::move(message), ""};
}

}  // namespace sonde::bpf
