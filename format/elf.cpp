#include "format/elf.h"

#include <elf.h>
#include <fmt/format.h>

#include <cstring>
#include <iterator>

namespace sonde::format {
namespace {

template <typename T>
bool load(std::span<const uint8_t> bytes, uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

bool in_bounds(std::span<const uint8_t> bytes, uint64_t offset, uint64_t size) {
  return offset <= bytes.size() && size <= bytes.size() - offset;
}

std::string_view string_at(std::span<const uint8_t> table, uint64_t offset) {
  if (offset >= table.size()) return {};
  std::string_view rest(reinterpret_cast<const char*>(table.data()) + offset,
                        table.size() - offset);
  return rest.substr(0, rest.find('\0'));
}

void notes_in(std::span<const uint8_t> data, const std::function<void(const ElfNote&)>& visit) {
  uint64_t at = 0;
  Elf64_Nhdr header;
  while (load(data, at, header)) {
    const uint64_t name_at = at + sizeof header;
    const uint64_t desc_at = name_at + ((uint64_t{header.n_namesz} + 3) & ~uint64_t{3});
    const uint64_t end = desc_at + ((uint64_t{header.n_descsz} + 3) & ~uint64_t{3});
    if (!in_bounds(data, name_at, header.n_namesz) || !in_bounds(data, desc_at, header.n_descsz))
      return;
    ElfNote note;
    note.type = header.n_type;
    note.name = std::string_view(reinterpret_cast<const char*>(data.data()) + name_at,
                                 header.n_namesz ? header.n_namesz - 1 : 0);
    note.desc = data.subspan(desc_at, header.n_descsz);
    visit(note);
    if (end > data.size()) return;
    at = end;
  }
}

}  // namespace

Result<ElfView> ElfView::parse(std::span<const uint8_t> bytes) {
  Elf64_Ehdr header;
  if (!load(bytes, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return Error{"not an ELF file", ""};
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
    return Error{"not a 64-bit little-endian ELF file", ""};
  ElfView view;
  view.bytes_ = bytes;
  view.type_ = header.e_type;
  view.machine_ = header.e_machine;

  if (header.e_phnum && header.e_phentsize != sizeof(Elf64_Phdr))
    return Error{"ELF program headers of an unknown size", ""};
  for (uint64_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!load(bytes, header.e_phoff + i * sizeof ph, ph))
      return Error{"ELF program headers out of bounds", ""};
    view.segments_.push_back({ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_filesz});
  }

  if (header.e_shnum == 0) return view;
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum)
    return Error{"ELF section headers are malformed", ""};
  std::vector<Elf64_Shdr> headers(header.e_shnum);
  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    if (!load(bytes, header.e_shoff + i * sizeof(Elf64_Shdr), headers[i]))
      return Error{"ELF section headers out of bounds", ""};
  }
  auto data_of = [&](const Elf64_Shdr& sh) -> std::span<const uint8_t> {
    if (sh.sh_type == SHT_NOBITS || !in_bounds(bytes, sh.sh_offset, sh.sh_size)) return {};
    return bytes.subspan(sh.sh_offset, sh.sh_size);
  };
  const auto names = data_of(headers[header.e_shstrndx]);
  for (const Elf64_Shdr& sh : headers) {
    if (sh.sh_type != SHT_NOBITS && !in_bounds(bytes, sh.sh_offset, sh.sh_size))
      return Error{fmt::format("ELF section {} out of bounds", string_at(names, sh.sh_name)), ""};
    view.sections_.push_back(
        {string_at(names, sh.sh_name), sh.sh_type, sh.sh_link, sh.sh_entsize, data_of(sh)});
  }
  return view;
}

const ElfSection* ElfView::section(std::string_view name) const {
  for (const auto& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool ElfView::for_each_symbol(const std::function<void(const ElfSymbol&)>& visit) const {
  bool has_symtab = false;
  for (const auto& s : sections_) {
    if (s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) continue;
    has_symtab |= s.type == SHT_SYMTAB;
    if (s.entsize != sizeof(Elf64_Sym) || s.link >= sections_.size()) continue;
    const auto strings = sections_[s.link].data;
    for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= s.data.size(); at += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      load(s.data, at, sym);
      visit(ElfSymbol{string_at(strings, sym.st_name), sym.st_value, sym.st_size,
                      static_cast<uint8_t>(ELF64_ST_TYPE(sym.st_info)),
                      static_cast<uint8_t>(ELF64_ST_BIND(sym.st_info)), sym.st_shndx});
    }
  }
  return has_symtab;
}

bool ElfView::for_each_defined_function(const std::function<void(const ElfSymbol&)>& visit) const {
  return for_each_symbol([&](const ElfSymbol& sym) {
    if ((sym.type == STT_FUNC || sym.type == STT_GNU_IFUNC) && sym.section != SHN_UNDEF &&
        sym.value != 0 && !sym.name.empty()) {
      visit(sym);
    }
  });
}

void ElfView::for_each_note(const std::function<void(const ElfNote&)>& visit) const {
  if (!sections_.empty()) {
    for (const auto& s : sections_) {
      if (s.type == SHT_NOTE) notes_in(s.data, visit);
    }
    return;
  }
  for (const auto& seg : segments_) {
    if (seg.type == PT_NOTE && in_bounds(bytes_, seg.offset, seg.filesz))
      notes_in(bytes_.subspan(seg.offset, seg.filesz), visit);
  }
}

std::string ElfView::build_id() const {
  std::string id;
  for_each_note([&](const ElfNote& note) {
    if (!id.empty() || note.type != NT_GNU_BUILD_ID || note.name != "GNU") return;
    for (uint8_t b : note.desc) fmt::format_to(std::back_inserter(id), "{:02x}", b);
  });
  return id;
}

Result<std::span<const uint8_t>> elf_section_bytes(std::span<const uint8_t> bytes,
                                                   std::string_view name) {
  auto view = ElfView::parse(bytes);
  if (!view) return view.error();
  const ElfSection* s = view->section(name);
  if (!s) return Error{fmt::format("no {} section", name), ""};
  return s->data;
}

Result<ElfFile> ElfFile::open(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  auto view = ElfView::parse(file->bytes());
  if (!view) {
    if (view.error().message == "not an ELF file")
      return Error{fmt::format("{} is not an ELF file", path), ""};
    return Error{fmt::format("{}: {}", path, view.error().message), ""};
  }
  ElfFile out;
  out.file_ = std::move(file.value());
  out.view_ = std::move(view.value());
  return out;
}

}  // namespace sonde::format
