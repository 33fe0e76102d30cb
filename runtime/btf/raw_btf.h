// Raw BTF (the kernel's binary type format, /usr/include/linux/btf.h), read without
// libbpf: records by id and their names, enough to copy a part of the kernel's types.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::btf {

struct TypeRecord {
  uint32_t name_off = 0;
  uint32_t info = 0;
  uint32_t size_or_type = 0;
  std::span<const uint8_t> extra;  // the kind's trailing data: members, enumerators, ...

  uint32_t kind() const { return (info >> 24) & 0x1f; }
  uint32_t vlen() const { return info & 0xffff; }
};

class RawBtf {
 public:
  // Checks the header and the bounds of every record. `data` must outlive the RawBtf.
  static Result<RawBtf> parse(std::span<const uint8_t> data);

  uint32_t count() const { return static_cast<uint32_t>(offsets_.size()); }  // ids, with void
  TypeRecord type(uint32_t id) const;                                        // 1 <= id < count()
  // "" for an offset outside the string section.
  std::string_view name(uint32_t name_off) const;

 private:
  std::span<const uint8_t> types_;
  std::string_view strings_;
  std::vector<uint32_t> offsets_;  // offsets_[id]: where type `id` starts; [0] is void
};

}  // namespace sonde::btf
