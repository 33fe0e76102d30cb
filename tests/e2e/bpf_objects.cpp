#include "tests/e2e/bpf_objects.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

std::vector<pid_t> live_pids() {
  std::vector<pid_t> out;
  DIR* dir = opendir("/proc");
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && pid > 0) out.push_back(static_cast<pid_t>(pid));
  }
  closedir(dir);
  return out;
}

std::vector<std::string> fds_of(pid_t pid) {
  std::vector<std::string> out;
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(path.c_str());
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  closedir(dir);
  return out;
}

// "prog_id:\t12" -> 12 in an fdinfo text; 0 when absent.
uint32_t field(const std::string& text, const char* name) {
  size_t at = text.find(std::string(name) + ":");
  if (at == std::string::npos) return 0;
  return static_cast<uint32_t>(
      std::strtoul(text.c_str() + at + std::strlen(name) + 1, nullptr, 10));
}

void add_fdinfo(pid_t pid, const std::string& fd, BpfIds& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/fdinfo/" + fd);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  if (uint32_t link = field(s, "link_id")) {
    out.links.insert(link);
    if (uint32_t prog = field(s, "prog_id")) out.programs.insert(prog);
  } else if (uint32_t prog = field(s, "prog_id")) {
    out.programs.insert(prog);
  } else if (uint32_t map = field(s, "map_id")) {
    out.maps.insert(map);
  }
}

template <typename Next>
std::set<uint32_t> all_ids(Next next) {
  std::set<uint32_t> out;
  uint32_t id = 0;
  while (next(id, &id) == 0) out.insert(id);
  return out;
}

struct ProgramInfo {
  std::string name;
  std::vector<uint32_t> maps;
};

bool program_info(uint32_t id, ProgramInfo& out) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return false;
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  bool ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
  if (ok && info.nr_map_ids > 0) {
    out.maps.resize(info.nr_map_ids);
    uint32_t n = info.nr_map_ids;
    info = {};
    info.nr_map_ids = n;
    info.map_ids = reinterpret_cast<uintptr_t>(out.maps.data());
    len = sizeof info;
    ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
    out.maps.resize(std::min(n, info.nr_map_ids));
  }
  if (ok) out.name = info.name;
  close(fd);
  return ok;
}

std::string map_name(uint32_t id) {
  int fd = bpf_map_get_fd_by_id(id);
  if (fd < 0) return {};
  bpf_map_info info{};
  uint32_t len = sizeof info;
  std::string name = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.name : "";
  close(fd);
  return name;
}

uint32_t program_of_link(uint32_t id) {
  int fd = bpf_link_get_fd_by_id(id);
  if (fd < 0) return 0;
  bpf_link_info info{};
  uint32_t len = sizeof info;
  uint32_t prog = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.prog_id : 0;
  close(fd);
  return prog;
}

bool sonde_named(const std::string& name) { return name.rfind("sonde", 0) == 0; }

BpfIds orphans_now(const BpfIds& since) {
  BpfIds held;
  for (pid_t pid : live_pids()) {
    for (const auto& fd : fds_of(pid)) add_fdinfo(pid, fd, held);
  }
  for (uint32_t link : held.links) {
    if (uint32_t prog = program_of_link(link)) held.programs.insert(prog);
  }
  BpfIds out;
  for (uint32_t id : all_ids(bpf_prog_get_next_id)) {
    ProgramInfo info;
    if (!program_info(id, info)) continue;
    if (held.programs.count(id)) {
      held.maps.insert(info.maps.begin(), info.maps.end());
    } else if (id > (since.programs.empty() ? 0 : *since.programs.rbegin()) &&
               sonde_named(info.name)) {
      out.programs.insert(id);
    }
  }
  for (uint32_t id : all_ids(bpf_link_get_next_id)) {
    if (held.links.count(id) || id <= (since.links.empty() ? 0 : *since.links.rbegin())) continue;
    ProgramInfo info;
    if (program_info(program_of_link(id), info) && sonde_named(info.name)) out.links.insert(id);
  }
  for (uint32_t id : all_ids(bpf_map_get_next_id)) {
    if (held.maps.count(id) || id <= (since.maps.empty() ? 0 : *since.maps.rbegin())) continue;
    if (sonde_named(map_name(id))) out.maps.insert(id);
  }
  return out;
}

}  // namespace

std::string BpfIds::to_string() const {
  auto list = [](const std::set<uint32_t>& ids) {
    std::string s = "[";
    for (uint32_t id : ids) s += (s.size() > 1 ? " " : "") + std::to_string(id);
    return s + "]";
  };
  return "programs " + list(programs) + " maps " + list(maps) + " links " + list(links);
}

BpfIds bpf_objects_of(pid_t pid) {
  BpfIds out;
  for (const auto& fd : fds_of(pid)) add_fdinfo(pid, fd, out);
  return out;
}

BpfIds still_in_kernel(const BpfIds& ids) {
  BpfIds out;
  auto keep = [](const std::set<uint32_t>& wanted, const std::set<uint32_t>& all,
                 std::set<uint32_t>& into) {
    for (uint32_t id : wanted) {
      if (all.count(id)) into.insert(id);
    }
  };
  keep(ids.programs, all_ids(bpf_prog_get_next_id), out.programs);
  keep(ids.maps, all_ids(bpf_map_get_next_id), out.maps);
  keep(ids.links, all_ids(bpf_link_get_next_id), out.links);
  return out;
}

BpfIds wait_until_freed(const BpfIds& ids, std::chrono::milliseconds timeout) {
  BpfIds left = ids;
  wait_until(
      [&] {
        left = still_in_kernel(left);
        return left.empty();
      },
      timeout);
  return left;
}

BpfIds highest_ids() {
  BpfIds out;
  auto last = [](const std::set<uint32_t>& all, std::set<uint32_t>& into) {
    if (!all.empty()) into.insert(*all.rbegin());
  };
  last(all_ids(bpf_prog_get_next_id), out.programs);
  last(all_ids(bpf_map_get_next_id), out.maps);
  last(all_ids(bpf_link_get_next_id), out.links);
  return out;
}

BpfIds orphaned_sonde_objects(const BpfIds& since, std::chrono::milliseconds timeout) {
  // Only those that stay orphaned count: an exiting process's objects go soon.
  return wait_until_freed(orphans_now(since), timeout);
}

BpfStatsState bpf_stats_state() {
  BpfStatsState out;
  std::ifstream("/proc/sys/kernel/bpf_stats_enabled") >> out.sysctl;
  for (pid_t pid : live_pids()) {
    for (const auto& fd : fds_of(pid)) {
      char target[64] = {};
      std::string path = "/proc/" + std::to_string(pid) + "/fd/" + fd;
      if (readlink(path.c_str(), target, sizeof target - 1) > 0 &&
          std::strcmp(target, "anon_inode:bpf-stats") == 0) {
        out.holders.insert(pid);
      }
    }
  }
  return out;
}

Attachments attachments_of(pid_t pid) {
  Attachments out;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(fds.c_str());
  if (!dir) return out;
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    char target[256] = {};
    if (readlink((fds + "/" + d->d_name).c_str(), target, sizeof(target) - 1) > 0 &&
        std::string(target) == "anon_inode:[perf_event]")
      ++out.perf_events;
    std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + d->d_name);
    std::string line;
    while (std::getline(info, line)) {
      if (line.rfind("link_type:", 0) == 0) {
        std::string type = line.substr(line.find_first_not_of(" \t", 10));
        ++out.links[type];
      }
    }
  }
  closedir(dir);
  return out;
}

}  // namespace sonde::e2e
