#include "runtime/decode/container.h"

#include <cstdlib>

#include "runtime/decode/container_path.h"

namespace sonde::decode {

const std::string& field_of(const ContainerInfo& info, ContainerField field) {
  switch (field) {
    case ContainerField::kContainer:
      return info.container;
    case ContainerField::kContainerId:
      return info.container_id;
    case ContainerField::kImage:
      return info.image;
    case ContainerField::kPod:
      return info.pod;
    case ContainerField::kPodUid:
      return info.pod_uid;
    case ContainerField::kNamespace:
      return info.namespace_;
    case ContainerField::kUnit:
      return info.unit;
  }
  return info.unit;
}

ContainerSources ContainerSources::from_environment() {
  ContainerSources s;
  if (const char* v = std::getenv("SONDE_PODMAN_SOCKET")) s.podman_socket = v;
  if (const char* v = std::getenv("SONDE_KUBELET_LOGS")) s.kubelet_logs = v;
  return s;
}

ContainerResolver::ContainerResolver(ContainerSources sources)
    : sources_(std::move(sources)),
      podman_(sources_.podman_socket, sources_.api_timeout, sources_.api_backoff),
      kubelet_(sources_.kubelet_logs) {}

ContainerResolver::Lookup ContainerResolver::lookup(uint64_t cgroup_id, CgroupPaths& paths) {
  auto it = entries_.find(cgroup_id);
  if (it == entries_.end()) {
    CgroupLookup found = paths.lookup(cgroup_id);
    if (!found.path) return {nullptr, found.final, true};
    ContainerPath parsed = parse_container_path(*found.path);
    Entry e;
    e.info.container_id = std::move(parsed.container_id);
    e.info.pod_uid = std::move(parsed.pod_uid);
    e.info.unit = std::move(parsed.unit);
    e.runtime = std::move(parsed.runtime);
    it = entries_.emplace(cgroup_id, std::move(e)).first;
    name(it->second);
  } else if (!it->second.complete &&
             std::chrono::steady_clock::now() - it->second.asked >= sources_.retry) {
    name(it->second);
  }
  Entry& e = it->second;
  e.generation = generation_;
  return {&e.info, true, e.complete};
}

// Names from the sources that know this kind of container; whatever is not known is
// asked again later (at most every `retry`), while the short id stands in.
void ContainerResolver::name(Entry& e) {
  e.asked = std::chrono::steady_clock::now();
  ContainerInfo& info = e.info;
  bool complete = true;
  if (!info.container_id.empty() && e.runtime == "podman") {
    RuntimeNames names;
    switch (podman_.container(info.container_id, names)) {
      case PodmanApi::Answer::kFound:
        info.container = std::move(names.container);
        info.image = std::move(names.image);
        info.pod = std::move(names.pod);
        break;
      case PodmanApi::Answer::kUnknown:
        break;
      case PodmanApi::Answer::kUnavailable:
        complete = false;
        break;
    }
  } else if (!info.pod_uid.empty()) {
    // A Kubernetes pod (podman's pods come with the container's answer above).
    PodName pod;
    if (kubelet_.pod(info.pod_uid, pod)) {
      info.pod = std::move(pod.name);
      info.namespace_ = std::move(pod.namespace_);
    } else {
      complete = false;
    }
    // A pod's sandbox ("pause") container has no log, so no name: it keeps its id.
    if (!info.container_id.empty() && !kubelet_.container(info.container_id, info.container))
      complete = false;
  }
  if (info.container.empty() && !info.container_id.empty())
    info.container = short_container_id(info.container_id);
  e.complete = complete;
}

void ContainerResolver::sweep() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.generation < generation_)
      it = entries_.erase(it);
    else
      ++it;
  }
  ++generation_;
}

}  // namespace sonde::decode
