// Raw BTF (the kernel's binary type format, /usr/include/linux/btf.h), read without
// libbpf: records by id and their names, enough to copy a part of the kernel's types.
//
// Indexed sparsely, one offset per 64 types: 8 KB for the kernel's 126k types where a
// full index takes 500 KB of fresh pages (~120 page faults, ~15 us each in this VM);
// a record is found by stepping over at most 63 records from its checkpoint. The types
// a CO-RE access can start from by name are listed apart with their offsets (~14k in
// vmlinux), so that matching names needs no walk.
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
  bool kind_flag() const { return (info >> 31) != 0; }
};

// Named structs, unions, enums, typedefs and forward declarations: what libbpf looks
// up by name for a CO-RE relocation.
bool named_root_kind(uint32_t kind);

class RawBtf {
 public:
  // Checks the header and the bounds of every record. `data` must outlive the RawBtf.
  static Result<RawBtf> parse(std::span<const uint8_t> data);

  uint32_t count() const { return count_; }  // ids, with void
  TypeRecord type(uint32_t id) const;        // 1 <= id < count()
  // "" for an offset outside the string section.
  std::string_view name(uint32_t name_off) const;

  // Calls fn(id, record) for each named type of a root kind, in id order.
  template <typename F>
  void for_each_named_root(F&& fn) const {
    for (const Located& r : roots_) fn(r.id, at(r.offset));
  }

 private:
  static constexpr uint32_t kStride = 64;
  struct Located {
    uint32_t id;
    uint32_t offset;
  };
  TypeRecord at(size_t offset) const;

  std::span<const uint8_t> types_;
  std::string_view strings_;
  uint32_t count_ = 1;
  std::vector<uint32_t> checkpoints_;  // [i]: where type max(1, i * kStride) starts
  std::vector<Located> roots_;
};

}  // namespace sonde::btf
