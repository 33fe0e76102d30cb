// cgroup v2 ids -> paths under the cgroup2 mount.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "support/unique_fd.h"

namespace sonde::decode {

// Where cgroup2 is mounted, from /proc/self/mountinfo ("/sys/fs/cgroup", or
// "/sys/fs/cgroup/unified" on hybrid hosts); empty when it is not mounted.
std::string find_cgroup2_mount(const std::string& mountinfo = "/proc/self/mountinfo");

struct CgroupLookup {
  std::optional<std::string> path;  // "/" for the root, "/system.slice/ssh.service" below
  bool final = true;                // false: unknown for now, a later lookup may succeed
};

// A cgroup's id is the inode number of its directory (what bpf_get_current_cgroup_id
// returns), and also its kernfs file handle. Resolving goes by handle when the kernel
// and our privileges allow (open_by_handle_at, CAP_DAC_READ_SEARCH): one id costs a few
// syscalls (~10 us), and an id whose cgroup is gone fails at once (ESTALE, final).
// Otherwise the hierarchy is walked to build an id -> path map; a miss walks again, but
// at most once per `min_rewalk`: a walk of 7k cgroups takes ~250 ms here, so a flood of
// unknown ids must cost a hash lookup each, not a walk each.
class CgroupPaths {
 public:
  enum class Method { kAuto, kWalk };

  explicit CgroupPaths(std::string mount = find_cgroup2_mount(),
                       std::chrono::milliseconds min_rewalk = std::chrono::seconds(1),
                       Method method = Method::kAuto);

  CgroupLookup lookup(uint64_t id);
  // Forget known paths, to pick up renames (by handle: at once; walking: at the next
  // walk the rate limit allows).
  void mark_stale();

  const std::string& mount() const { return mount_; }
  bool by_handle() const { return handles_ == Handles::kYes; }
  uint64_t walks() const { return walks_; }

 private:
  enum class Handles { kUnknown, kYes, kNo };

  void probe_handles();
  CgroupLookup open_by_id(uint64_t id);
  CgroupLookup walk_lookup(uint64_t id);
  bool may_walk() const;
  void walk();

  std::string mount_;
  std::chrono::milliseconds min_rewalk_;
  Handles handles_;
  UniqueFd mount_fd_;
  int handle_type_ = 0;
  std::unordered_map<uint64_t, std::string> paths_;
  std::chrono::steady_clock::time_point last_walk_{};
  uint64_t walks_ = 0;
  bool stale_ = true;
};

}  // namespace sonde::decode
