#include "runtime/decode/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "runtime/decode/unique_fd.h"

namespace sonde::decode {
namespace {

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

// An open ELF file; the fd must outlive the Elf handle (member order).
struct OpenElf {
  UniqueFd fd;
  ElfPtr elf;
};

Result<OpenElf> open_elf(const std::string& path) {
  static const bool initialized = elf_version(EV_CURRENT) != EV_NONE;
  if (!initialized) return Error{"libelf version mismatch", ""};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno)), ""};
  ElfPtr elf(elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) {
    return Error{fmt::format("{} is not an ELF file", path), ""};
  }
  return OpenElf{std::move(fd), std::move(elf)};
}

uint32_t leading_underscores(const char* name) {
  uint32_t n = 0;
  while (n < 3 && name[n] == '_') ++n;
  return n;
}

// Prefer "getpid" over its alias "__getpid": fewer leading underscores, then global
// over weak over local.
uint32_t rank_of(const char* name, unsigned char binding) {
  uint32_t bind_rank = binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2;
  return leading_underscores(name) * 4 + bind_rank;
}

// Calls visit(name, symbol) for every function defined in .symtab and .dynsym; returns
// whether the file had a .symtab.
template <typename Visit>
bool for_each_function(Elf* elf, Visit&& visit) {
  bool has_symtab = false;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    if (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM) continue;
    if (shdr.sh_type == SHT_SYMTAB) has_symtab = true;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || shdr.sh_entsize == 0) continue;
    size_t count = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
      unsigned char type = GELF_ST_TYPE(sym.st_info);
      if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
          sym.st_value == 0) {
        continue;
      }
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name && *name) visit(name, sym);
    }
  }
  return has_symtab;
}

// Calls visit(header, name, desc) for every note of every SHT_NOTE section.
template <typename Visit>
void for_each_note(Elf* elf, Visit&& visit) {
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    GElf_Nhdr nhdr;
    size_t offset = 0, name_offset = 0, desc_offset = 0;
    while ((offset = gelf_getnote(data, offset, &nhdr, &name_offset, &desc_offset)) > 0) {
      const char* base = static_cast<const char*>(data->d_buf);
      std::string_view name(base + name_offset, nhdr.n_namesz ? nhdr.n_namesz - 1 : 0);
      std::string_view desc(base + desc_offset, nhdr.n_descsz);
      visit(nhdr, name, desc);
    }
  }
}

std::string build_id_of(Elf* elf) {
  std::string id;
  for_each_note(elf, [&](const GElf_Nhdr& nhdr, std::string_view name, std::string_view desc) {
    if (!id.empty() || nhdr.n_type != NT_GNU_BUILD_ID || name != "GNU") return;
    for (char c : desc) fmt::format_to(std::back_inserter(id), "{:02x}", static_cast<uint8_t>(c));
  });
  return id;
}

// The separate debug file of a stripped file, found through its build id.
std::string debug_file_path(const std::string& build_id) {
  if (build_id.size() <= 2) return {};
  return fmt::format("/usr/lib/debug/.build-id/{}/{}.debug", build_id.substr(0, 2),
                     build_id.substr(2));
}

}  // namespace

// Pulls what ElfSymbols keeps out of libelf handles.
class ElfSymbols::Reader {
 public:
  explicit Reader(ElfSymbols& out) : out_(out) {}

  bool read_headers(Elf* elf) {
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(elf, &ehdr)) return false;
    out_.relocatable_ = ehdr.e_type == ET_DYN;
    size_t count = 0;
    if (elf_getphdrnum(elf, &count) != 0) return false;
    for (size_t i = 0; i < count; ++i) {
      GElf_Phdr phdr;
      if (gelf_getphdr(elf, static_cast<int>(i), &phdr) && phdr.p_type == PT_LOAD) {
        out_.segments_.push_back({phdr.p_offset, phdr.p_vaddr, phdr.p_filesz});
      }
    }
    return true;
  }

  // Returns whether the file had a .symtab.
  bool read_symbols(Elf* elf) {
    if (out_.build_id_.empty()) out_.build_id_ = build_id_of(elf);
    return for_each_function(elf, [&](const char* name, const GElf_Sym& sym) {
      out_.symbols_.push_back({sym.st_value, sym.st_size, static_cast<uint32_t>(out_.names_.size()),
                               rank_of(name, GELF_ST_BIND(sym.st_info))});
      out_.names_.append(name);
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
  auto file = open_elf(path);
  if (!file) return file.error();
  ElfSymbols table;
  Reader reader(table);
  if (!reader.read_headers(file->elf.get())) {
    return Error{fmt::format("{}: unreadable ELF headers: {}", path, elf_errmsg(-1)), ""};
  }
  bool has_symtab = reader.read_symbols(file->elf.get());
  std::string debug = has_symtab ? std::string() : debug_file_path(table.build_id_);
  if (!debug.empty()) {
    if (auto debug_file = open_elf(debug)) reader.read_symbols(debug_file->elf.get());
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
  auto file = open_elf(path);
  if (!file) return file.error();
  struct Entry {
    std::string name;
    uint64_t addr;
    bool ifunc;
    bool weak;
  };
  std::vector<Entry> entries;
  auto add = [&](const char* name, const GElf_Sym& sym) {
    entries.push_back({name, sym.st_value, GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC,
                       GELF_ST_BIND(sym.st_info) == STB_WEAK});
  };
  for_each_function(file->elf.get(), add);
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
  auto file = open_elf(path);
  if (!file) return file.error();
  constexpr uint32_t kStapsdtType = 3;
  std::vector<UsdtProbeName> out;
  for_each_note(
      file->elf.get(), [&](const GElf_Nhdr& nhdr, std::string_view name, std::string_view desc) {
        // The descriptor: three addresses (pc, base, semaphore), then "provider\0name\0args\0".
        constexpr size_t kAddresses = 3 * 8;
        if (nhdr.n_type != kStapsdtType || name != "stapsdt" || desc.size() <= kAddresses) return;
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
