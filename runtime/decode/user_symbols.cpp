#include "runtime/decode/user_symbols.h"

#include <sys/stat.h>

#include <fmt/format.h>

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
  if (it != processes_.end() &&
      (find_mapping(it->second.mappings, addr) || now - it->second.read_at < kMinMapsReread)) {
    return &it->second;
  }
  auto mappings = read_exec_mappings(pid);
  if (!mappings) return it != processes_.end() ? &it->second : nullptr;  // gone: keep old
  Process& p = processes_[pid];
  p.mappings = std::move(*mappings);
  p.read_at = now;
  return &p;
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
