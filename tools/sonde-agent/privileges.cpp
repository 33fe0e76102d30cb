#include "tools/sonde-agent/privileges.h"

#include <fstream>

#include "runtime/export/listen_address.h"
#include "support/capabilities.h"

namespace sonde::agent {
namespace {

void keep(std::vector<KeptCapability>& out, int cap, const std::string& why) {
  for (auto& k : out) {
    if (k.capability != cap) continue;
    if (k.why.find(why) == std::string::npos) k.why += "; " + why;
    return;
  }
  out.push_back({cap, why});
}

int unprivileged_port_start() {
  std::ifstream in("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  int port = 1024;
  in >> port;
  return port;
}

}  // namespace

std::vector<KeptCapability> capabilities_to_keep(const std::vector<LoadedBundle>& bundles,
                                                 const std::string& listen) {
  std::vector<KeptCapability> out;
  for (const auto& b : bundles) {
    for (const auto& program : b.bundle.programs) {
      for (const auto& metric : program.metrics) {
        for (const auto& label : metric.labels) {
          switch (label.decoder) {
            case spec::Decoder::kKsym:
            case spec::Decoder::kKstack:
              // /proc/kallsyms shows zeros instead of addresses without it
              // (kernel.kptr_restrict, kernel.perf_event_paranoid > 1).
              keep(out, caps::kSyslog, "kernel symbol addresses in /proc/kallsyms");
              break;
            case spec::Decoder::kUsym:
            case spec::Decoder::kUstack:
              keep(out, caps::kSysPtrace, "/proc/PID/maps of other users' processes");
              keep(out, caps::kDacReadSearch, "their binaries, for symbols");
              break;
            case spec::Decoder::kCgroup:
            case spec::Decoder::kContainer:
            case spec::Decoder::kContainerId:
            case spec::Decoder::kImage:
            case spec::Decoder::kPod:
            case spec::Decoder::kPodUid:
            case spec::Decoder::kNamespace:
            case spec::Decoder::kUnit:
              // Container labels start from the cgroup's path; the runtime's socket and
              // the kubelet's log directories are root's, which a dropped root still is.
              keep(out, caps::kDacReadSearch, "cgroup paths (open_by_handle_at)");
              break;
            default:
              break;
          }
        }
      }
    }
  }
  // The HTTP server binds after the drop (before its threads start, which must not
  // keep the capabilities the main thread gives up).
  if (auto address = exporter::parse_listen_address(listen);
      address && address->port != 0 && address->port < unprivileged_port_start()) {
    keep(out, caps::kNetBindService, "listening on a port below 1024");
  }
  return out;
}

Result<std::string> drop_capabilities(const std::vector<KeptCapability>& keep) {
  std::vector<int> numbers;
  numbers.reserve(keep.size());
  for (const auto& k : keep) numbers.push_back(k.capability);
  if (auto st = caps::drop_all_except(numbers); !st) return st.error();
  if (keep.empty()) return std::string("dropped every capability");
  std::string out = "dropped every capability but ";
  for (size_t i = 0; i < keep.size(); ++i) {
    if (i > 0) out += ", ";
    out += caps::name(keep[i].capability) + " (" + keep[i].why + ")";
  }
  return out;
}

}  // namespace sonde::agent
