// Pod and container names on a Kubernetes node, from the directories the kubelet keeps
// for logs, without asking the API server or the CRI runtime:
//   /var/log/pods/<namespace>_<pod>_<pod uid>/            (kuberuntime BuildPodLogsDirectory)
//   /var/log/containers/<pod>_<namespace>_<container>-<container id>.log   (logSymlink)
// Names and namespaces are DNS labels, which hold no '_', so the fields split cleanly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sonde::decode {

struct PodName {
  std::string name;
  std::string namespace_;
};

// One log directory name, parsed; false when it does not have the kubelet's shape.
bool parse_pod_log_dir(std::string_view dir, PodName& pod, std::string& uid);
bool parse_container_log_link(std::string_view file, PodName& pod, std::string& container,
                              std::string& container_id);

class KubeletLogs {
 public:
  // `root` holds pods/ and containers/ ("/var/log"). A miss rescans, at most once per
  // `min_rescan`: a burst of unknown ids costs one directory listing, not one each.
  explicit KubeletLogs(std::string root,
                       std::chrono::milliseconds min_rescan = std::chrono::seconds(1));

  // False when the kubelet has no record of it (yet).
  bool pod(const std::string& uid, PodName& out);
  bool container(const std::string& id, std::string& name);

  uint64_t scans() const { return scans_; }

 private:
  struct Directory {
    std::chrono::steady_clock::time_point last{};
    bool scanned = false;
  };
  bool may_scan(const Directory& d) const;
  void scan_pods();
  void scan_containers();

  std::string root_;
  std::chrono::milliseconds min_rescan_;
  Directory pods_dir_, containers_dir_;
  std::unordered_map<std::string, PodName> pods_;            // by pod uid
  std::unordered_map<std::string, std::string> containers_;  // container id -> name
  uint64_t scans_ = 0;
};

}  // namespace sonde::decode
