#include "tests/unit/clang/test_programs.h"

#include <elf.h>

#include <cstring>

namespace sonde::clang_bpf::testing {

ElfInfo read_elf(std::span<const uint8_t> bytes) {
  ElfInfo info;
  Elf64_Ehdr header;
  if (bytes.size() < sizeof header) return info;
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_shentsize != sizeof(Elf64_Shdr)) {
    return info;
  }
  auto section = [&](size_t index, Elf64_Shdr& out) {
    size_t offset = header.e_shoff + index * sizeof(Elf64_Shdr);
    if (offset + sizeof out > bytes.size()) return false;
    std::memcpy(&out, bytes.data() + offset, sizeof out);
    return true;
  };
  Elf64_Shdr names;
  if (!section(header.e_shstrndx, names) || names.sh_offset + names.sh_size > bytes.size()) {
    return info;
  }
  for (size_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr shdr;
    if (!section(i, shdr) || shdr.sh_name >= names.sh_size) return info;
    const char* name = reinterpret_cast<const char*>(bytes.data() + names.sh_offset + shdr.sh_name);
    info.sections.insert(std::string(name, strnlen(name, names.sh_size - shdr.sh_name)));
  }
  info.machine = header.e_machine;
  info.valid = true;
  return info;
}

}  // namespace sonde::clang_bpf::testing
