// User-space addresses -> function names, per process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/decode/elf_symbols.h"
#include "runtime/decode/proc_maps.h"

namespace sonde::decode {

// Resolves through the process's executable mappings (/proc/PID/maps): the address
// becomes a file offset, the file offset a link-time address (PIE and shared libraries
// alike), and that a symbol of the file. Symbol tables are read once per file (device +
// inode), whichever process maps it.
//
// A process's mappings, once read, outlive it: forget_processes() drops those of live
// processes (they are read again) but keeps an exited one's, named by pid and start
// time, so its stacks still resolve when they are first read after it exited. When
// nothing of a gone process was read, `binary`, if given, is used directly: exact for a
// non-PIE executable (addresses are link-time addresses), and for a PIE or shared
// library only when the address falls inside the file's own segments, since the load
// bias of a dead process cannot be recovered. Everything else is unknown, and exited()
// says whether that is because the process is gone.
class UserSymbols {
 public:
  // Demangled function name; nullopt when unknown. pid <= 0: no process.
  std::optional<std::string> lookup(int pid, uint64_t addr, const std::string& binary = "");

  // After a failed lookup: the process has exited and none of its mappings read while it
  // lived holds `addr`, so no name can be found (rather than an address in anonymous or
  // JIT code of a live process).
  bool exited(int pid, uint64_t addr);

  // Drops the mappings of live processes (they change; pids get reused); those of exited
  // processes stay (the newest kMaxExited), symbol tables of files stay.
  void forget_processes();

  size_t files_loaded() const { return files_.size(); }

  static constexpr size_t kMaxExited = 1024;

 private:
  struct Process {
    std::vector<Mapping> mappings;
    std::chrono::steady_clock::time_point read_at;
    std::optional<uint64_t> start_time;  // with the pid, which process these belong to
    bool exited = false;                 // seen gone by forget_processes()
  };
  using FileKey = std::pair<dev_t, uint64_t>;  // device, inode

  const Process* process(int pid, uint64_t addr);
  // nullptr when the file cannot be read (also remembered, so it is tried once).
  const ElfSymbols* file(const FileKey& key, const std::string& open_path);
  std::optional<std::string> from_binary(uint64_t addr, const std::string& binary);

  std::unordered_map<int, Process> processes_;
  std::map<FileKey, std::unique_ptr<ElfSymbols>> files_;
};

}  // namespace sonde::decode
