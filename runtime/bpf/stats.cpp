#include "runtime/bpf/stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "runtime/bpf/errno_text.h"

namespace sonde::bpf {

std::string libbpf_version() {
  const char* text = libbpf_version_string();  // "v1.1"
  std::string version = text != nullptr ? text : "";
  if (version.starts_with("v")) version.erase(0, 1);
  return version;
}

Result<ProgramStats> program_stats(int program_fd) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  int err = bpf_obj_get_info_by_fd(program_fd, &info, &length);
  if (err < 0) {
    return Error{fmt::format("cannot read BPF program statistics: {}", errno_text(err)), ""};
  }
  return ProgramStats{.name = info.name,
                      .id = info.id,
                      .run_count = info.run_cnt,
                      .run_time_ns = info.run_time_ns,
                      .recursion_misses = info.recursion_misses};
}

Result<StatsEnabler> StatsEnabler::enable() {
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) {
    return Error{fmt::format("cannot enable BPF run-time statistics: {}", errno_text(fd)),
                 "needs CAP_SYS_ADMIN; without it run counts and times stay at zero"};
  }
  return StatsEnabler(UniqueFd(fd));
}

}  // namespace sonde::bpf
