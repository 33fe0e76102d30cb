#include "runtime/decode/container_kubelet.h"

#include <dirent.h>

#include <memory>

#include "support/text.h"

namespace sonde::decode {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

bool is_hex_id(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Calls `f` with each entry name of `dir` (but . and ..); false when it cannot be read.
template <typename F>
bool each_entry(const std::string& dir, F f) {
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) return false;
  while (const dirent* e = readdir(d.get())) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") f(name);
  }
  return true;
}

}  // namespace

bool parse_pod_log_dir(std::string_view dir, PodName& pod, std::string& uid) {
  auto parts = split(dir, '_');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) return false;
  pod.namespace_ = parts[0];
  pod.name = parts[1];
  uid = parts[2];
  return true;
}

bool parse_container_log_link(std::string_view file, PodName& pod, std::string& container,
                              std::string& container_id) {
  constexpr std::string_view kSuffix = ".log";
  if (file.size() <= kSuffix.size() + 65 || file.substr(file.size() - kSuffix.size()) != kSuffix)
    return false;
  file.remove_suffix(kSuffix.size());
  std::string_view id = file.substr(file.size() - 64);
  file.remove_suffix(64);
  if (!is_hex_id(id) || file.back() != '-') return false;
  file.remove_suffix(1);
  auto parts = split(file, '_');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) return false;
  pod.name = parts[0];
  pod.namespace_ = parts[1];
  container = parts[2];
  container_id = id;
  return true;
}

KubeletLogs::KubeletLogs(std::string root, std::chrono::milliseconds min_rescan)
    : root_(std::move(root)), min_rescan_(min_rescan) {}

bool KubeletLogs::may_scan(const Directory& d) const {
  return !d.scanned || std::chrono::steady_clock::now() - d.last >= min_rescan_;
}

void KubeletLogs::scan_pods() {
  ++scans_;
  pods_dir_ = {std::chrono::steady_clock::now(), true};
  pods_.clear();  // what the kubelet removed goes too (resolved containers keep their names)
  each_entry(root_ + "/pods", [&](std::string_view name) {
    PodName pod;
    std::string uid;
    if (parse_pod_log_dir(name, pod, uid)) pods_[uid] = std::move(pod);
  });
}

void KubeletLogs::scan_containers() {
  ++scans_;
  containers_dir_ = {std::chrono::steady_clock::now(), true};
  containers_.clear();
  each_entry(root_ + "/containers", [&](std::string_view name) {
    PodName pod;
    std::string container, id;
    if (parse_container_log_link(name, pod, container, id)) containers_[id] = std::move(container);
  });
}

bool KubeletLogs::pod(const std::string& uid, PodName& out) {
  auto it = pods_.find(uid);
  if (it == pods_.end() && may_scan(pods_dir_)) {
    scan_pods();
    it = pods_.find(uid);
  }
  if (it == pods_.end()) return false;
  out = it->second;
  return true;
}

bool KubeletLogs::container(const std::string& id, std::string& name) {
  auto it = containers_.find(id);
  if (it == containers_.end() && may_scan(containers_dir_)) {
    scan_containers();
    it = containers_.find(id);
  }
  if (it == containers_.end()) return false;
  name = it->second;
  return true;
}

}  // namespace sonde::decode
