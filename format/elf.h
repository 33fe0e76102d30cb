// ELF64 (little-endian: x86_64 binaries and BPF objects), read from bytes the caller
// keeps alive: section and segment headers, symbols, notes and the build id. Every
// offset and size is checked against the bytes, so a corrupt or hostile file is an
// error or an empty result, never a read out of bounds.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/mapped_file.h"
#include "support/result.h"

namespace sonde::format {

struct ElfSection {
  std::string_view name;
  uint32_t type = 0;  // SHT_*
  uint32_t link = 0;
  uint64_t entsize = 0;
  std::span<const uint8_t> data;  // empty for SHT_NOBITS
};

struct ElfSegment {
  uint32_t type = 0;  // PT_*
  uint64_t offset = 0, vaddr = 0, filesz = 0;
};

struct ElfSymbol {
  std::string_view name;
  uint64_t value = 0, size = 0;
  uint8_t type = 0, bind = 0;  // STT_*, STB_*
  uint16_t section = 0;        // SHN_UNDEF for an undefined symbol
};

struct ElfNote {
  uint32_t type = 0;
  std::string_view name;  // without its NUL
  std::span<const uint8_t> desc;
};

class ElfView {
 public:
  static Result<ElfView> parse(std::span<const uint8_t> bytes);

  uint16_t file_type() const { return type_; }   // ET_EXEC, ET_DYN, ET_REL
  uint16_t machine() const { return machine_; }  // EM_X86_64, EM_BPF
  const std::vector<ElfSection>& sections() const { return sections_; }
  const ElfSection* section(std::string_view name) const;
  const std::vector<ElfSegment>& segments() const { return segments_; }

  // Symbols of the SHT_SYMTAB and SHT_DYNSYM sections; returns whether there was a
  // SHT_SYMTAB (a stripped file has only .dynsym).
  bool for_each_symbol(const std::function<void(const ElfSymbol&)>& visit) const;
  // The functions the file defines (STT_FUNC and STT_GNU_IFUNC with an address and a
  // name), from the same tables; returns whether there was a SHT_SYMTAB.
  bool for_each_defined_function(const std::function<void(const ElfSymbol&)>& visit) const;
  // Notes of the SHT_NOTE sections, or of the PT_NOTE segments when the file has no
  // section headers.
  void for_each_note(const std::function<void(const ElfNote&)>& visit) const;
  // The NT_GNU_BUILD_ID note in hex; empty when there is none.
  std::string build_id() const;

 private:
  std::span<const uint8_t> bytes_;
  uint16_t type_ = 0, machine_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSegment> segments_;
};

// The contents of section `name` of the ELF file in `bytes` (the .BTF of a BPF object).
// Errors name what is wrong ("no .BTF section").
Result<std::span<const uint8_t>> elf_section_bytes(std::span<const uint8_t> bytes,
                                                   std::string_view name);

// An ELF file on disk, mapped (format/mapped_file.h) and parsed.
class ElfFile {
 public:
  static Result<ElfFile> open(const std::string& path);
  const ElfView& view() const { return view_; }

 private:
  MappedFile file_;
  ElfView view_;
};

}  // namespace sonde::format
