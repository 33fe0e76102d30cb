#include "runtime/decode/elf_symbols.h"

#include <elf.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "format/elf.h"

namespace sonde::decode {
namespace {

uint32_t leading_underscores(std::string_view name) {
  uint32_t n = 0;
  while (n < 3 && n < name.size() && name[n] == '_') ++n;
  return n;
}

// Prefer "getpid" over its alias "__getpid": fewer leading underscores, then global
// over weak over local.
uint32_t rank_of(std::string_view name, unsigned char binding) {
  uint32_t bind_rank = binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2;
  return leading_underscores(name) * 4 + bind_rank;
}

// The separate debug file of a stripped file, found through its build id.
std::string debug_file_path(const std::string& build_id) {
  if (build_id.size() <= 2) return {};
  return fmt::format("/usr/lib/debug/.build-id/{}/{}.debug", build_id.substr(0, 2),
                     build_id.substr(2));
}

}  // namespace

// Pulls what ElfSymbols keeps out of the ELF files it reads.
class ElfSymbols::Reader {
 public:
  explicit Reader(ElfSymbols& out) : out_(out) {}

  void read_headers(const format::ElfView& elf) {
    out_.relocatable_ = elf.file_type() == ET_DYN;
    for (const auto& segment : elf.segments()) {
      if (segment.type == PT_LOAD)
        out_.segments_.push_back({segment.offset, segment.vaddr, segment.filesz});
    }
  }

  // Returns whether the file had a .symtab.
  bool read_symbols(const format::ElfView& elf) {
    if (out_.build_id_.empty()) out_.build_id_ = elf.build_id();
    return elf.for_each_defined_function([&](const format::ElfSymbol& sym) {
      out_.symbols_.push_back({sym.value, sym.size, static_cast<uint32_t>(out_.names_.size()),
                               rank_of(sym.name, sym.bind)});
      out_.names_.append(sym.name);
      out_.names_.push_back('\0');
    });
  }

  void finish() {
    auto& symbols = out_.symbols_;
    std::sort(symbols.begin(), symbols.end(), [](const Symbol& a, const Symbol& b) {
      if (a.addr != b.addr) return a.addr < b.addr;
      if (a.rank != b.rank) return a.rank < b.rank;
      return a.name < b.name;
    });
    // One symbol per address (the best-ranked alias), with the largest size any alias
    // declared.
    std::vector<Symbol> unique;
    for (const Symbol& s : symbols) {
      if (!unique.empty() && unique.back().addr == s.addr) {
        unique.back().size = std::max(unique.back().size, s.size);
      } else {
        unique.push_back(s);
      }
    }
    symbols = std::move(unique);
  }

 private:
  ElfSymbols& out_;
};

Result<ElfSymbols> ElfSymbols::load(const std::string& path) {
  auto file = format::ElfFile::open(path);
  if (!file) return file.error();
  ElfSymbols table;
  Reader reader(table);
  reader.read_headers(file->view());
  bool has_symtab = reader.read_symbols(file->view());
  std::string debug = has_symtab ? std::string() : debug_file_path(table.build_id_);
  if (!debug.empty()) {
    if (auto debug_file = format::ElfFile::open(debug)) reader.read_symbols(debug_file->view());
  }
  reader.finish();
  return table;
}

std::optional<uint64_t> ElfSymbols::file_offset_to_vaddr(uint64_t offset) const {
  for (const Segment& s : segments_) {
    if (offset >= s.offset && offset < s.offset + s.filesz) return offset - s.offset + s.vaddr;
  }
  return std::nullopt;
}

bool ElfSymbols::contains_vaddr(uint64_t vaddr) const {
  for (const Segment& s : segments_) {
    if (vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz) return true;
  }
  return false;
}

const char* ElfSymbols::lookup(uint64_t vaddr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                             [](uint64_t a, const Symbol& s) { return a < s.addr; });
  if (it == symbols_.begin()) return nullptr;
  --it;
  if (it->size != 0 && vaddr - it->addr >= it->size) return nullptr;
  return names_.c_str() + it->name;
}

}  // namespace sonde::decode
