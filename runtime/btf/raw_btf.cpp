#include "runtime/btf/raw_btf.h"

#include <elf.h>
#include <fmt/format.h>
#include <linux/btf.h>

#include <cstring>

namespace sonde::btf {
namespace {

template <typename T>
T load(std::span<const uint8_t> bytes, size_t offset) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof v);  // records need not be aligned
  return v;
}

}  // namespace

int64_t trailing_bytes(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return 0;
    case BTF_KIND_ARRAY:
      return sizeof(btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return int64_t{vlen} * sizeof(btf_member);
    case BTF_KIND_ENUM:
      return int64_t{vlen} * sizeof(btf_enum);
    case BTF_KIND_ENUM64:
      return int64_t{vlen} * sizeof(btf_enum64);
    case BTF_KIND_FUNC_PROTO:
      return int64_t{vlen} * sizeof(btf_param);
    case BTF_KIND_DATASEC:
      return int64_t{vlen} * sizeof(btf_var_secinfo);
    default:
      return -1;
  }
}

Result<RawBtf> RawBtf::parse(std::span<const uint8_t> data) {
  if (data.size() < sizeof(btf_header)) return Error{"BTF: shorter than its header", ""};
  auto h = load<btf_header>(data, 0);
  if (h.magic != BTF_MAGIC) return Error{"BTF: bad magic (or another byte order)", ""};
  uint64_t types_end = uint64_t{h.hdr_len} + h.type_off + h.type_len;
  uint64_t strings_end = uint64_t{h.hdr_len} + h.str_off + h.str_len;
  if (h.hdr_len < sizeof(btf_header) || types_end > data.size() || strings_end > data.size()) {
    return Error{"BTF: sections out of bounds", ""};
  }
  RawBtf b;
  b.types_ = data.subspan(h.hdr_len + h.type_off, h.type_len);
  b.strings_ = std::string_view(reinterpret_cast<const char*>(data.data()) + h.hdr_len + h.str_off,
                                h.str_len);
  b.offsets_.push_back(0);  // void
  size_t off = 0;
  while (off < b.types_.size()) {
    if (b.types_.size() - off < sizeof(btf_type)) return Error{"BTF: truncated type record", ""};
    auto t = load<btf_type>(b.types_, off);
    int64_t extra = trailing_bytes(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
    if (extra < 0)
      return Error{
          fmt::format("BTF: type {} has unknown kind {}", b.count(), BTF_INFO_KIND(t.info)), ""};
    if (off + sizeof(btf_type) + static_cast<uint64_t>(extra) > b.types_.size()) {
      return Error{"BTF: truncated type record", ""};
    }
    b.offsets_.push_back(static_cast<uint32_t>(off));
    off += sizeof(btf_type) + static_cast<size_t>(extra);
  }
  return b;
}

TypeRecord RawBtf::type(uint32_t id) const {
  size_t off = offsets_[id];
  auto t = load<btf_type>(types_, off);
  auto extra = static_cast<size_t>(trailing_bytes(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info)));
  return TypeRecord{t.name_off, t.info, t.size, types_.subspan(off + sizeof(btf_type), extra)};
}

std::string_view RawBtf::name(uint32_t name_off) const {
  if (name_off >= strings_.size()) return {};
  std::string_view rest = strings_.substr(name_off);
  return rest.substr(0, rest.find('\0'));
}

Result<std::span<const uint8_t>> elf_section(std::span<const uint8_t> elf, std::string_view name) {
  if (elf.size() < sizeof(Elf64_Ehdr) || std::memcmp(elf.data(), ELFMAG, SELFMAG) != 0 ||
      elf[EI_CLASS] != ELFCLASS64) {
    return Error{"not a 64-bit ELF file", ""};
  }
  auto eh = load<Elf64_Ehdr>(elf, 0);
  auto section = [&](size_t i) {
    return load<Elf64_Shdr>(elf, eh.e_shoff + i * sizeof(Elf64_Shdr));
  };
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > elf.size() ||
      (elf.size() - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum || eh.e_shstrndx >= eh.e_shnum) {
    return Error{"ELF section headers out of bounds", ""};
  }
  auto in_file = [&](const Elf64_Shdr& s) {
    return s.sh_offset <= elf.size() && s.sh_size <= elf.size() - s.sh_offset;
  };
  Elf64_Shdr names = section(eh.e_shstrndx);
  if (!in_file(names)) return Error{"ELF section names out of bounds", ""};
  std::string_view all(reinterpret_cast<const char*>(elf.data()) + names.sh_offset, names.sh_size);
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr s = section(i);
    if (s.sh_name >= all.size()) continue;
    std::string_view n = all.substr(s.sh_name);
    if (n.substr(0, n.find('\0')) != name) continue;
    if (!in_file(s)) return Error{fmt::format("ELF section {} out of bounds", name), ""};
    return elf.subspan(s.sh_offset, s.sh_size);
  }
  return Error{fmt::format("no {} section", name), ""};
}

}  // namespace sonde::btf
