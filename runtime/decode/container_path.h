// What a cgroup path says about the container, pod and systemd unit that own it, by the
// naming conventions of systemd and the container runtimes (docs/containers.md lists
// them and where each comes from). Pure text: no file is read.
#pragma once

#include <string>
#include <string_view>

namespace sonde::decode {

struct ContainerPath {
  std::string runtime;       // "docker", "containerd", "cri-o", "podman", ...; "" if none
  std::string container_id;  // 64 hex digits; "" when the path is no container's
  std::string pod_uid;       // Kubernetes pod UID with dashes, or podman's pod id
  std::string unit;          // innermost systemd unit ("nginx.service"); "" if none
};

// `path` is relative to the cgroup2 mount, as the cgroup decoder shows it
// ("/system.slice/docker-<id>.scope").
ContainerPath parse_container_path(std::string_view path);

// A container's short form, as `docker ps` and `podman ps` show it (12 hex digits).
std::string short_container_id(std::string_view id);

}  // namespace sonde::decode
