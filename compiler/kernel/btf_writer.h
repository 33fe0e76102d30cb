// Builds raw BTF (header + type section + string section, the kernel's binary format,
// see /usr/include/linux/btf.h): the relocation BTF the TypeEmitter hands to libbpf,
// and hand-made inputs for tests. Types may refer to ids added later; nothing is
// checked here, readers validate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sonde::kernel {

class BtfWriter {
 public:
  BtfWriter();

  // Each add_* returns the new type's id (the first is 1).
  uint32_t add_int(std::string_view name, uint32_t size, bool is_signed, bool is_char = false,
                   bool is_bool = false);
  uint32_t add_pointer(uint32_t target);
  uint32_t add_array(uint32_t element, uint32_t index_type, uint32_t nelems);
  uint32_t add_struct(std::string_view name, uint32_t size, bool is_union = false);
  // Appends a member to the struct or union `id`; a bitfield sets the kind flag.
  void add_member(uint32_t id, std::string_view name, uint32_t type, uint32_t bit_offset,
                  uint32_t bitfield_size = 0);
  // ENUM for sizes up to 4 bytes, ENUM64 above.
  uint32_t add_enum(std::string_view name, uint32_t size, bool is_signed);
  void add_enumerator(uint32_t id, std::string_view name, int64_t value);
  uint32_t add_forward(std::string_view name, bool is_union);
  // TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: a name (or none) and a target.
  uint32_t add_reference(uint32_t btf_kind, std::string_view name, uint32_t target);
  uint32_t add_func_proto(uint32_t return_type);
  void add_param(uint32_t id, std::string_view name, uint32_t type);
  uint32_t add_func(std::string_view name, uint32_t proto, uint32_t linkage);
  uint32_t add_var(std::string_view name, uint32_t type, uint32_t linkage);
  uint32_t add_datasec(std::string_view name, uint32_t size);
  void add_section_var(uint32_t id, uint32_t var, uint32_t offset, uint32_t size);
  uint32_t add_float(std::string_view name, uint32_t size);
  uint32_t add_decl_tag(std::string_view name, uint32_t target, int32_t component_index);

  uint32_t type_count() const { return static_cast<uint32_t>(types_.size()) + 1; }
  std::vector<uint8_t> finish() const;

 private:
  struct Record {
    uint32_t name_off = 0;
    uint32_t kind = 0;
    uint32_t vlen = 0;
    bool kind_flag = false;
    uint32_t size_or_type = 0;
    std::vector<uint32_t> extra;  // the kind's trailing words
  };

  uint32_t add(Record r);
  Record& at(uint32_t id) { return types_[id - 1]; }
  uint32_t intern(std::string_view s);

  std::vector<Record> types_;
  std::string strings_;
  std::unordered_map<std::string, uint32_t> string_offsets_;
};

}  // namespace sonde::kernel
