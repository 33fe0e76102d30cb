#include "compiler/kernel/btf_writer.h"

#include <linux/btf.h>

#include <cstring>

namespace sonde::kernel {

BtfWriter::BtfWriter() { strings_.push_back('\0'); }  // offset 0: the empty name

uint32_t BtfWriter::intern(std::string_view s) {
  if (s.empty()) return 0;
  auto [it, inserted] =
      string_offsets_.try_emplace(std::string(s), static_cast<uint32_t>(strings_.size()));
  if (inserted) {
    strings_.append(s);
    strings_.push_back('\0');
  }
  return it->second;
}

uint32_t BtfWriter::add(Record r) {
  types_.push_back(std::move(r));
  return static_cast<uint32_t>(types_.size());
}

uint32_t BtfWriter::add_int(std::string_view name, uint32_t size, bool is_signed, bool is_char,
                            bool is_bool) {
  uint32_t encoding = (is_signed ? BTF_INT_SIGNED : 0) | (is_char ? BTF_INT_CHAR : 0) |
                      (is_bool ? BTF_INT_BOOL : 0);
  return add({intern(name), BTF_KIND_INT, 0, false, size, {(encoding << 24) | (size * 8)}});
}

uint32_t BtfWriter::add_pointer(uint32_t target) {
  return add({0, BTF_KIND_PTR, 0, false, target, {}});
}

uint32_t BtfWriter::add_array(uint32_t element, uint32_t index_type, uint32_t nelems) {
  return add({0, BTF_KIND_ARRAY, 0, false, 0, {element, index_type, nelems}});
}

uint32_t BtfWriter::add_struct(std::string_view name, uint32_t size, bool is_union) {
  return add({intern(name), is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT, 0, false, size, {}});
}

void BtfWriter::add_member(uint32_t id, std::string_view name, uint32_t type, uint32_t bit_offset,
                           uint32_t bitfield_size) {
  Record& r = at(id);
  // With the kind flag, offsets carry the bitfield size in their top byte; a plain
  // member encodes the same either way (size 0).
  if (bitfield_size != 0) r.kind_flag = true;
  r.extra.insert(r.extra.end(), {intern(name), type, (bitfield_size << 24) | bit_offset});
  ++r.vlen;
}

uint32_t BtfWriter::add_enum(std::string_view name, uint32_t size, bool is_signed) {
  return add({intern(name), size > 4 ? BTF_KIND_ENUM64 : BTF_KIND_ENUM, 0, is_signed, size, {}});
}

void BtfWriter::add_enumerator(uint32_t id, std::string_view name, int64_t value) {
  Record& r = at(id);
  auto bits = static_cast<uint64_t>(value);
  if (r.kind == BTF_KIND_ENUM64) {
    r.extra.insert(r.extra.end(),
                   {intern(name), static_cast<uint32_t>(bits), static_cast<uint32_t>(bits >> 32)});
  } else {
    r.extra.insert(r.extra.end(), {intern(name), static_cast<uint32_t>(bits)});
  }
  ++r.vlen;
}

uint32_t BtfWriter::add_forward(std::string_view name, bool is_union) {
  return add({intern(name), BTF_KIND_FWD, 0, is_union, 0, {}});
}

uint32_t BtfWriter::add_reference(uint32_t btf_kind, std::string_view name, uint32_t target) {
  return add({intern(name), btf_kind, 0, false, target, {}});
}

uint32_t BtfWriter::add_func_proto(uint32_t return_type) {
  return add({0, BTF_KIND_FUNC_PROTO, 0, false, return_type, {}});
}

void BtfWriter::add_param(uint32_t id, std::string_view name, uint32_t type) {
  Record& r = at(id);
  r.extra.insert(r.extra.end(), {intern(name), type});
  ++r.vlen;
}

uint32_t BtfWriter::add_func(std::string_view name, uint32_t proto, uint32_t linkage) {
  return add({intern(name), BTF_KIND_FUNC, linkage, false, proto, {}});
}

uint32_t BtfWriter::add_var(std::string_view name, uint32_t type, uint32_t linkage) {
  return add({intern(name), BTF_KIND_VAR, 0, false, type, {linkage}});
}

uint32_t BtfWriter::add_datasec(std::string_view name, uint32_t size) {
  return add({intern(name), BTF_KIND_DATASEC, 0, false, size, {}});
}

void BtfWriter::add_section_var(uint32_t id, uint32_t var, uint32_t offset, uint32_t size) {
  Record& r = at(id);
  r.extra.insert(r.extra.end(), {var, offset, size});
  ++r.vlen;
}

uint32_t BtfWriter::add_float(std::string_view name, uint32_t size) {
  return add({intern(name), BTF_KIND_FLOAT, 0, false, size, {}});
}

uint32_t BtfWriter::add_decl_tag(std::string_view name, uint32_t target, int32_t component_index) {
  return add({intern(name),
              BTF_KIND_DECL_TAG,
              0,
              false,
              target,
              {static_cast<uint32_t>(component_index)}});
}

std::vector<uint8_t> BtfWriter::finish() const {
  std::vector<uint32_t> words;
  for (const Record& r : types_) {
    uint32_t info = (r.kind_flag ? 1u << 31 : 0) | (r.kind << 24) | (r.vlen & 0xffff);
    words.insert(words.end(), {r.name_off, info, r.size_or_type});
    words.insert(words.end(), r.extra.begin(), r.extra.end());
  }
  btf_header h{};
  h.magic = BTF_MAGIC;
  h.version = BTF_VERSION;
  h.hdr_len = sizeof h;
  h.type_off = 0;
  h.type_len = static_cast<uint32_t>(words.size() * sizeof(uint32_t));
  h.str_off = h.type_len;
  h.str_len = static_cast<uint32_t>(strings_.size());
  std::vector<uint8_t> out(sizeof h + h.type_len + h.str_len);
  std::memcpy(out.data(), &h, sizeof h);
  if (!words.empty()) std::memcpy(out.data() + sizeof h, words.data(), h.type_len);
  std::memcpy(out.data() + sizeof h + h.type_len, strings_.data(), h.str_len);
  return out;
}

}  // namespace sonde::kernel
