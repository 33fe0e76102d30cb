// cgroup ids -> the container, pod and systemd unit behind them: the cgroup's path
// (cgroup.h) parsed by the runtimes' naming conventions (container_path.h), then named
// by whoever knows the names on this node: podman's API (container_api.h), the
// kubelet's log directories (container_kubelet.h). Cached per cgroup id.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/decode/cgroup.h"
#include "runtime/decode/container_api.h"
#include "runtime/decode/container_kubelet.h"

namespace sonde::decode {

// What one cgroup id decodes to. Empty strings where the path names no such thing (a
// host service has no container; a podman container no namespace).
struct ContainerInfo {
  std::string container;     // the runtime's name for it, else the 12-digit short id
  std::string container_id;  // 64 hex digits
  std::string image;         // from the runtime's API only
  std::string pod;           // pod name (Kubernetes, podman pods)
  std::string pod_uid;       // from the path
  std::string namespace_;    // Kubernetes namespace
  std::string unit;          // innermost systemd unit of the path
};

enum class ContainerField : uint8_t {
  kContainer,
  kContainerId,
  kImage,
  kPod,
  kPodUid,
  kNamespace,
  kUnit,
};
const std::string& field_of(const ContainerInfo& info, ContainerField field);

// Where names come from. Defaults are the usual host paths; the environment variables
// SONDE_PODMAN_SOCKET and SONDE_KUBELET_LOGS override them ("" turns a source off).
struct ContainerSources {
  std::string podman_socket = "/run/podman/podman.sock";
  std::string kubelet_logs = "/var/log";
  std::chrono::milliseconds api_timeout = std::chrono::milliseconds(500);
  std::chrono::milliseconds api_backoff = std::chrono::seconds(30);
  // A container whose name is not known yet (the runtime did not answer, the kubelet
  // has not written its log link) is asked about again at most this often.
  std::chrono::milliseconds retry = std::chrono::seconds(5);

  static ContainerSources from_environment();
};

class ContainerResolver {
 public:
  explicit ContainerResolver(ContainerSources sources = ContainerSources::from_environment());

  struct Lookup {
    const ContainerInfo* info = nullptr;  // nullptr: the id's cgroup is not known
    bool final = true;                    // without info: whether a later lookup may succeed
    bool complete = true;                 // with info: false while a name may still arrive
  };

  // A cgroup id is never reused, so what an id resolved to stays true after its cgroup
  // is gone: it is served from here until sweep() drops it.
  Lookup lookup(uint64_t cgroup_id, CgroupPaths& paths);

  // Drops the ids not looked up since the previous sweep (the decoders call this when
  // their caches are cleared; ids still in a map are looked up again right after).
  void sweep();

  size_t size() const { return entries_.size(); }
  const PodmanApi& podman() const { return podman_; }
  const KubeletLogs& kubelet() const { return kubelet_; }

 private:
  struct Entry {
    ContainerInfo info;
    std::string runtime;
    bool complete = false;
    std::chrono::steady_clock::time_point asked{};
    uint64_t generation = 0;
  };

  void name(Entry& e);

  ContainerSources sources_;
  PodmanApi podman_;
  KubeletLogs kubelet_;
  std::unordered_map<uint64_t, Entry> entries_;
  uint64_t generation_ = 0;
};

}  // namespace sonde::decode
