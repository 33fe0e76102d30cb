#include "runtime/decode/user_symbols.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>

#include "runtime/decode/demangle.h"

namespace sonde::decode {
namespace {

// A process that dlopen()s or JITs grows new mappings; reading maps again on every
// unknown address would make a flood of misses expensive.
constexpr auto kMinMapsReread = std::chrono::seconds(1);

}  // namespace

const UserSymbols::Process* UserSymbols::process(int pid, uint64_t addr) {
  auto now = std::chrono::steady_clock::now();
  auto it = processes_.find(pid);
  if (it != processes_.end() && it->second.exited) {
    // The pid may belong to a new process by now: its own mappings, not the old one's.
    auto stat = read_process_stat(pid);
    if (!stat || stat->start_time == it->second.start_time) return &it->second;
    processes_.erase(it);
    it = processes_.end();
  }
  if (it != processes_.end() &&
      (find_mapping(it->second.mappings, addr) || now - it->second.read_at < kMinMapsReread)) {
    return &it->second;
  }
  auto stat = read_process_stat(pid);
  auto mappings = read_exec_mappings(pid);
  // Gone, or a zombie whose memory is already released: keep what was read while it lived.
  if (!stat || stat->exited || !mappings || mappings->empty())
    return it != processes_.end() ? &it->second : nullptr;
  Process& p = processes_[pid];
  p.mappings = std::move(*mappings);
  p.read_at = now;
  p.start_time = stat->start_time;
  return &p;
}

bool UserSymbols::exited(int pid, uint64_t addr) {
  if (pid <= 0) return false;
  auto it = processes_.find(pid);
  // In a file it mapped: a spot without a symbol, not a lost process.
  if (it != processes_.end() && find_mapping(it->second.mappings, addr)) return false;
  auto stat = read_process_stat(pid);
  return !stat || stat->exited;
}

void UserSymbols::forget_processes() {
  std::vector<std::pair<std::chrono::steady_clock::time_point, int>> exited;
  for (auto it = processes_.begin(); it != processes_.end();) {
    Process& p = it->second;
    auto stat = read_process_stat(it->first);
    // Reaped, or a zombie of the same process.
    const bool gone = !stat || (stat->exited && stat->start_time == p.start_time);
    // Running (read again when needed), or its pid is another process's by now.
    if (!gone) {
      it = processes_.erase(it);
      continue;
    }
    p.exited = true;
    exited.emplace_back(p.read_at, it->first);
    ++it;
  }
  if (exited.size() > kMaxExited) {
    std::sort(exited.begin(), exited.end());
    for (size_t i = 0; i + kMaxExited < exited.size(); ++i) processes_.erase(exited[i].second);
  }
}

const ElfSymbols* UserSymbols::file(const FileKey& key, const std::string& open_path) {
  auto it = files_.find(key);
  if (it == files_.end()) {
    auto loaded = ElfSymbols::load(open_path);
    it = files_.emplace(key, loaded ? std::make_unique<ElfSymbols>(std::move(*loaded)) : nullptr)
             .first;
  }
  return it->second.get();
}

std::optional<std::string> UserSymbols::lookup(int pid, uint64_t addr, const std::string& binary) {
  const Process* p = pid > 0 ? process(pid, addr) : nullptr;
  if (!p) return from_binary(addr, binary);
  const Mapping* m = find_mapping(p->mappings, addr);
  if (!m) return from_binary(addr, binary);  // anonymous or JIT code, or a stale map
  // map_files opens the mapped file itself: right across mount namespaces and after the
  // file was deleted or replaced on disk.
  std::string open_path = fmt::format("/proc/{}/map_files/{:x}-{:x}", pid, m->start, m->end);
  const ElfSymbols* elf = file({m->dev, m->inode}, open_path);
  if (!elf) return std::nullopt;
  auto vaddr = elf->file_offset_to_vaddr(addr - m->start + m->offset);
  if (!vaddr) return std::nullopt;
  const char* name = elf->lookup(*vaddr);
  if (!name) return std::nullopt;
  return demangle(name);
}

std::optional<std::string> UserSymbols::from_binary(uint64_t addr, const std::string& binary) {
  struct stat st;
  if (binary.empty() || stat(binary.c_str(), &st) != 0) return std::nullopt;
  const ElfSymbols* elf = file({st.st_dev, st.st_ino}, binary);
  // A PIE's or library's link-time addresses are small; an address outside its segments
  // was biased by a loader we can no longer ask.
  if (!elf || !elf->contains_vaddr(addr)) return std::nullopt;
  const char* name = elf->lookup(addr);
  if (!name) return std::nullopt;
  return demangle(name);
}

}  // namespace sonde::decode
