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
// When the process is gone, its mappings are still known if an earlier lookup read
// them (until forget_processes()). Otherwise `binary`, if given, is used directly: exact
// for a non-PIE executable (addresses are link-time addresses), and for a PIE or shared
// library only when the address falls inside the file's own segments, since the load
// bias of a dead process cannot be recovered. Everything else is unknown.
class UserSymbols {
 public:
  // Demangled function name; nullopt when unknown. pid <= 0: no process.
  std::optional<std::string> lookup(int pid, uint64_t addr, const std::string& binary = "");

  // Drops per-process mappings (pids get reused); symbol tables of files stay.
  void forget_processes() { processes_.clear(); }

  size_t files_loaded() const { return files_.size(); }

 private:
  struct Process {
    std::vector<Mapping> mappings;
    std::chrono::steady_clock::time_point read_at;
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
