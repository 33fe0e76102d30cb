#include "runtime/session/cgroup_array.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "support/unique_fd.h"

namespace sonde::session {

Result<std::vector<Error>> fill_cgroup_array(const bpf::Object& object,
                                             const spec::Program& program,
                                             const std::string& cgroup2_mount) {
  std::vector<Error> missing;
  if (program.cgroup_paths.empty()) return missing;
  auto map = object.map(program.cgroup_map);
  if (!map) return map.error();
  for (uint32_t slot = 0; slot < program.cgroup_paths.size(); ++slot) {
    const std::string& path = program.cgroup_paths[slot];
    if (cgroup2_mount.empty()) {
      missing.push_back(Error{
          fmt::format("in_cgroup(\"{}\"): no cgroup2 hierarchy is mounted here, so it is false",
                      path),
          "mount one (mount -t cgroup2 none /sys/fs/cgroup/unified) before loading"});
      continue;
    }
    std::string dir = path == "/" ? cgroup2_mount : cgroup2_mount + path;
    // The map holds its own reference to the cgroup; the fd only carries it there.
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      missing.push_back(Error{
          fmt::format("in_cgroup(\"{}\"): {}: {}, so it is false", path, dir, std::strerror(errno)),
          "in_cgroup() selects a cgroup that exists when the program is loaded; the "
          "cgroup label shows the paths there are"});
      continue;
    }
    uint32_t value = static_cast<uint32_t>(fd.get());
    uint8_t key_bytes[4], value_bytes[4];
    std::memcpy(key_bytes, &slot, 4);
    std::memcpy(value_bytes, &value, 4);
    if (auto st = map->update(key_bytes, value_bytes); !st) return st.error();
  }
  return missing;
}

}  // namespace sonde::session
