// Executable file mappings of a process, from /proc/PID/maps.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::decode {

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t offset = 0;  // file offset mapped at `start`
  dev_t dev = 0;        // with inode: which file, even across mount namespaces
  uint64_t inode = 0;
  std::string path;  // may end in " (deleted)"
};

// Executable, file-backed mappings in `text` (the format of /proc/PID/maps), sorted by
// start. Malformed lines are skipped.
std::vector<Mapping> parse_exec_mappings(std::string_view text);

// Reads /proc/PID/maps; nullopt when the process is gone. A zombie (exited, not yet
// reaped) reads as an empty list.
std::optional<std::vector<Mapping>> read_exec_mappings(int pid);

// What /proc/PID/stat says of the process now called `pid`; nullopt when there is none.
struct ProcessStat {
  // When it started (clock ticks after boot): with the pid, it names one process even
  // after the pid is reused.
  uint64_t start_time = 0;
  bool exited = false;  // a zombie: exited, its memory released, not reaped yet
};
std::optional<ProcessStat> read_process_stat(int pid);

// The mapping containing `addr`, or nullptr.
const Mapping* find_mapping(const std::vector<Mapping>& mappings, uint64_t addr);

}  // namespace sonde::decode
