#include "runtime/bpf/privileges.h"

#include <fmt/format.h>

#include "support/capabilities.h"

namespace sonde::bpf {
namespace {

Error missing(std::string_view what, const std::vector<int>& caps) {
  const std::string list = caps::names(caps);
  std::string setcap;
  std::string unit;
  for (int cap : caps) {
    std::string lower = caps::name(cap);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    setcap += (setcap.empty() ? "" : ",") + lower;
    unit += (unit.empty() ? "" : " ") + caps::name(cap);
  }
  return Error{fmt::format("not permitted to {}: this process lacks {}", what, list),
               fmt::format("run it as root, or grant {} (`setcap {}+ep BINARY`, or "
                           "AmbientCapabilities={} in a systemd unit); CAP_SYS_ADMIN "
                           "would do too",
                           caps.size() == 1 ? "it" : "them", setcap, unit)};
}

}  // namespace

Status check_privileges() {
  auto sets = caps::current();
  if (!sets) return {};  // cannot tell: let the kernel decide
  auto lacking = caps::missing_for_tracing(*sets);
  if (lacking.empty()) return {};
  return missing("load BPF programs", lacking);
}

Error permission_error(std::string_view what) {
  if (auto sets = caps::current()) {
    auto lacking = caps::missing_for_tracing(*sets);
    if (!lacking.empty()) return missing(what, lacking);
  }
  return Error{fmt::format("not permitted to {}, although this process has CAP_BPF and "
                           "CAP_PERFMON",
                           what),
               "kernel lockdown (/sys/kernel/security/lockdown) or a security module (SELinux, "
               "AppArmor, seccomp in a container) may forbid BPF here"};
}

}  // namespace sonde::bpf
