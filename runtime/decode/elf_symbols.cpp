#include "runtime/decode/elf_symbols.h"

#include <elf.h>

#include <algorithm>
#include <string_view>
#include <tuple>

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

// Calls visit(symbol) for every function defined in .symtab and .dynsym; returns
// whether the file had a .symtab.
template <typename Visit>
bool for_each_function(const format::ElfView& elf, Visit&& visit) {
  return elf.for_each_symbol([&](const format::ElfSymbol& sym) {
    if ((sym.type != STT_FUNC && sym.type != STT_GNU_IFUNC) || sym.section == SHN_UNDEF ||
        sym.value == 0 || sym.name.empty()) {
      return;
    }
    visit(sym);
  });
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
    return for_each_function(elf, [&](const format::ElfSymbol& sym) {
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

Result<std::vector<ElfFunction>> elf_functions(const std::string& path) {
  auto file = format::ElfFile::open(path);
  if (!file) return file.error();
  struct Entry {
    std::string name;
    uint64_t addr;
    bool ifunc;
    bool weak;
  };
  std::vector<Entry> entries;
  for_each_function(file->view(), [&](const format::ElfSymbol& sym) {
    entries.push_back(
        {std::string(sym.name), sym.value, sym.type == STT_GNU_IFUNC, sym.bind == STB_WEAK});
  });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.name, a.addr) < std::tie(b.name, b.addr);
  });
  std::vector<ElfFunction> out;
  uint64_t strong_addr = 0;  // of the last non-weak definition of out.back()
  for (const Entry& e : entries) {
    if (out.empty() || out.back().name != e.name) {
      out.push_back({e.name, e.ifunc, false});
      strong_addr = e.weak ? 0 : e.addr;
      continue;
    }
    ElfFunction& f = out.back();
    f.ifunc = f.ifunc || e.ifunc;
    if (e.weak) continue;
    if (strong_addr != 0 && strong_addr != e.addr) f.ambiguous = true;
    strong_addr = e.addr;
  }
  return out;
}

Result<std::vector<UsdtProbeName>> elf_usdt_probes(const std::string& path) {
  auto file = format::ElfFile::open(path);
  if (!file) return file.error();
  constexpr uint32_t kStapsdtType = 3;
  std::vector<UsdtProbeName> out;
  file->view().for_each_note([&](const format::ElfNote& note) {
    // The descriptor: three addresses (pc, base, semaphore), then "provider\0name\0args\0".
    constexpr size_t kAddresses = 3 * 8;
    if (note.type != kStapsdtType || note.name != "stapsdt" || note.desc.size() <= kAddresses)
      return;
    std::string_view desc(reinterpret_cast<const char*>(note.desc.data()), note.desc.size());
    std::string_view text = desc.substr(kAddresses);
    size_t end_provider = text.find('\0');
    if (end_provider == std::string_view::npos) return;
    size_t end_name = text.find('\0', end_provider + 1);
    if (end_name == std::string_view::npos) return;
    out.push_back({std::string(text.substr(0, end_provider)),
                   std::string(text.substr(end_provider + 1, end_name - end_provider - 1))});
  });
  std::sort(out.begin(), out.end(), [](const UsdtProbeName& a, const UsdtProbeName& b) {
    return std::tie(a.provider, a.name) < std::tie(b.provider, b.name);
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const UsdtProbeName& a, const UsdtProbeName& b) {
                          return a.provider == b.provider && a.name == b.name;
                        }),
            out.end());
  return out;
}

}  // namespace sonde::decode
