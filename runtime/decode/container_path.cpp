#include "runtime/decode/container_path.h"

#include <vector>

#include "support/text.h"

namespace sonde::decode {
namespace {

constexpr size_t kIdLength = 64;  // every runtime here names containers by a sha256 in hex

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_container_id(std::string_view s) {
  if (s.size() != kIdLength) return false;
  for (char c : s) {
    if (!is_hex(c)) return false;
  }
  return true;
}

// Kubernetes pod UIDs are UUIDs; static pods' are 32 hex digits (a hash of the manifest).
bool is_pod_uid(std::string_view s) {
  if (s.size() < 32 || s.size() > 36) return false;
  for (char c : s) {
    if (!is_hex(c) && c != '-') return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_unit(std::string_view c) {
  for (std::string_view suffix : {".service", ".scope", ".slice", ".socket", ".mount", ".swap"}) {
    if (ends_with(c, suffix) && c.size() > suffix.size()) return true;
  }
  return false;
}

// The runtime behind a unit or directory prefix ("cri-containerd-<id>.scope").
std::string runtime_of(std::string_view prefix) {
  if (prefix == "cri-containerd") return "containerd";
  if (prefix == "crio") return "cri-o";
  if (prefix == "libpod") return "podman";
  return std::string(prefix);  // docker, and runtimes named after themselves (nerdctl)
}

// "<prefix>-<id>" with or without ".scope": the container id and its runtime. The
// runtimes' monitors (libpod-conmon-<id>, crio-conmon-<id>) run beside the container,
// outside it, so they are not the container.
bool prefixed_container(std::string_view c, ContainerPath& out) {
  if (ends_with(c, ".scope")) c.remove_suffix(6);
  if (c.size() < kIdLength + 2 || c[c.size() - kIdLength - 1] != '-') return false;
  std::string_view id = c.substr(c.size() - kIdLength);
  std::string_view prefix = c.substr(0, c.size() - kIdLength - 1);
  if (!is_container_id(id) || ends_with(prefix, "conmon")) return false;
  out.container_id = id;
  out.runtime = runtime_of(prefix);
  return true;
}

// Kubernetes with the systemd driver: "kubepods-burstable-pod<uid>.slice", the UID's
// dashes written as underscores (kubelet's escapeSystemdCgroupName); with cgroupfs:
// "pod<uid>". Podman's pods with systemd: "machine-libpod_pod_<id>.slice".
bool pod_of(std::string_view c, bool under_kubepods, ContainerPath& out) {
  if (starts_with(c, "kubepods") && ends_with(c, ".slice")) {
    size_t at = c.rfind("-pod");
    if (at == std::string_view::npos) return false;
    std::string uid(c.substr(at + 4, c.size() - at - 4 - 6));
    for (char& ch : uid) {
      if (ch == '_') ch = '-';
    }
    if (!is_pod_uid(uid)) return false;
    out.pod_uid = std::move(uid);
    return true;
  }
  if (under_kubepods && starts_with(c, "pod") && is_pod_uid(c.substr(3))) {
    out.pod_uid = c.substr(3);
    return true;
  }
  constexpr std::string_view kPodmanPod = "libpod_pod_";
  if (size_t at = c.find(kPodmanPod); at != std::string_view::npos && ends_with(c, ".slice")) {
    std::string_view id = c.substr(at + kPodmanPod.size());
    id.remove_suffix(6);
    if (!is_container_id(id)) return false;
    out.pod_uid = id;
    return true;
  }
  return false;
}

}  // namespace

ContainerPath parse_container_path(std::string_view path) {
  ContainerPath out;
  std::string_view parent;
  bool under_kubepods = false;
  for (std::string_view c : split(path, '/')) {
    if (c.empty()) continue;
    if (is_unit(c)) out.unit = c;
    under_kubepods |= c == "kubepods" || c == "kubepods.slice";
    if (!pod_of(c, under_kubepods, out)) {
      // The innermost container wins (a container in a container); what follows a
      // container's own cgroup is a group inside it (CRI-O's "crio-<id>.scope/container").
      ContainerPath found;
      if (prefixed_container(c, found)) {
        out.container_id = std::move(found.container_id);
        out.runtime = std::move(found.runtime);
      } else if (is_container_id(c)) {
        // cgroupfs drivers: docker's "/docker/<id>", kubelet's "/kubepods/.../pod<uid>/<id>"
        // (containerd, or docker through the dockershim: the path does not say which).
        out.container_id = c;
        out.runtime = parent == "docker" ? "docker" : "";
      }
    }
    parent = c;
  }
  return out;
}

std::string short_container_id(std::string_view id) { return std::string(id.substr(0, 12)); }

}  // namespace sonde::decode
