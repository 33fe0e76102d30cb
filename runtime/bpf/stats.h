// How often the kernel ran each program and for how long. The kernel only counts while
// run-time statistics are enabled: hold a StatsEnabler for as long as they are wanted.
#pragma once

#include <cstdint>
#include <string>

#include "support/result.h"
#include "support/unique_fd.h"

namespace sonde::bpf {

struct ProgramStats {
  std::string name;  // as the kernel knows it (at most 15 characters)
  uint32_t id = 0;   // kernel program id
  uint64_t run_count = 0;
  uint64_t run_time_ns = 0;       // total, summed over CPUs
  uint64_t recursion_misses = 0;  // runs skipped because the program was already running
};

Result<ProgramStats> program_stats(int program_fd);

// The libbpf this process runs with ("1.1"), for sonde_build_info.
std::string libbpf_version();

// Turns on run-time statistics (BPF_STATS_RUN_TIME) while the object lives. The kernel
// ties the setting to the returned fd, so it is restored even if the process is killed,
// unlike writing the kernel.bpf_stats_enabled sysctl.
class StatsEnabler {
 public:
  static Result<StatsEnabler> enable();
  bool active() const { return fd_.valid(); }

 private:
  explicit StatsEnabler(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace sonde::bpf
