#include "format/elf_catalog.h"

#include <elf.h>

#include <algorithm>
#include <string_view>
#include <tuple>

#include "format/elf.h"

namespace sonde::format {

Result<std::vector<ElfFunction>> elf_functions(const std::string& path) {
  auto file = ElfFile::open(path);
  if (!file) return file.error();
  struct Entry {
    std::string name;
    uint64_t addr;
    bool ifunc;
    bool weak;
  };
  std::vector<Entry> entries;
  file->view().for_each_defined_function([&](const ElfSymbol& sym) {
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
  auto file = ElfFile::open(path);
  if (!file) return file.error();
  constexpr uint32_t kStapsdtType = 3;
  std::vector<UsdtProbeName> out;
  file->view().for_each_note([&](const ElfNote& note) {
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

}  // namespace sonde::format
