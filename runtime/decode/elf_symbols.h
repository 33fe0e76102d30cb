// Function symbols of one ELF file (executable or shared library), read with format/elf.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::decode {

class ElfSymbols {
 public:
  // Reads the program headers and the function symbols of .symtab and .dynsym. When the
  // file has no .symtab (stripped), the separate debug file found through its build id
  // under /usr/lib/debug/.build-id/ is read too, if installed.
  static Result<ElfSymbols> load(const std::string& path);

  // A file offset (as /proc/PID/maps gives it) -> the link-time virtual address, through
  // the PT_LOAD segment holding that offset.
  std::optional<uint64_t> file_offset_to_vaddr(uint64_t offset) const;

  // Whether a PT_LOAD segment's file contents cover `vaddr`.
  bool contains_vaddr(uint64_t vaddr) const;

  // The (mangled) name of the function containing `vaddr`, or nullptr.
  const char* lookup(uint64_t vaddr) const;

  // ET_DYN (PIE or shared library): loaded at a bias known only from a live process.
  bool relocatable() const { return relocatable_; }
  const std::string& build_id() const { return build_id_; }  // hex, may be empty
  size_t size() const { return symbols_.size(); }

 private:
  struct Segment {
    uint64_t offset, vaddr, filesz;
  };
  struct Symbol {
    uint64_t addr;
    uint64_t size;  // 0: unknown (hand-written assembly), extends to the next symbol
    uint32_t name;  // offset into names_ (NUL-terminated)
    uint32_t rank;  // among aliases at one address, the lowest is kept
  };
  class Reader;

  std::vector<Segment> segments_;
  std::vector<Symbol> symbols_;  // sorted by address, one per address
  std::string names_;
  std::string build_id_;
  bool relocatable_ = false;
};

}  // namespace sonde::decode
