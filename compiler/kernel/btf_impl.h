// Private to the kernel module: the state behind Btf, shared by btf.cpp (loading,
// decoding) and btf_lookup.cpp (name indexes and lookups).
#pragma once

#include <linux/btf.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <string_view>
#include <vector>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/btf_hash.h"
#include "compiler/kernel/prefaulted_array.h"

namespace sonde::kernel {

// Loads through memcpy: the sections of a corrupt blob need not be aligned.
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A type record, copied out of the blob.
struct RawType {
  uint32_t name_off = 0;
  uint32_t info = 0;
  uint32_t size_or_type = 0;
  const uint8_t* extra = nullptr;  // the kind's trailing data (members, params, ...)

  uint32_t kind() const { return BTF_INFO_KIND(info); }
  uint32_t vlen() const { return BTF_INFO_VLEN(info); }
  bool kind_flag() const { return BTF_INFO_KFLAG(info) != 0; }
};

TypeKind to_type_kind(uint32_t btf_kind);

struct Btf::Impl {
  ~Impl();

  // The whole blob: an mmap'ed file (map != nullptr) or `owned`.
  const uint8_t* data = nullptr;
  size_t size = 0;
  void* map = nullptr;
  size_t map_len = 0;
  std::vector<uint8_t> owned;

  const uint8_t* types = nullptr;
  uint32_t types_len = 0;
  const char* strings = nullptr;
  uint32_t strings_len = 0;

  // offsets[id] is the byte offset of type `id` in the type section; offsets[0] is
  // void. Built on first use by one pass that also checks every record's bounds; a
  // corrupt record ends the index there and is reported by Btf::validate().
  mutable std::once_flag offsets_once;
  mutable PrefaultedArray<uint32_t> offsets;
  mutable uint32_t count = 1;  // type ids in the index, counting void
  mutable std::string offsets_error;
  // Collected by the same pass, so the name indexes need not walk all 127k records
  // again: the named types other than functions (~15k in vmlinux), the enums (~2.4k).
  mutable std::vector<uint32_t> named_type_ids;
  mutable std::vector<uint32_t> enum_ids;
  mutable uint32_t named_functions = 0;
  mutable uint32_t enumerators_total = 0;

  // (kind, name) -> first type id. Functions (56k of the kernel's 71k named types)
  // get their own table so that type lookups build only the small one.
  mutable std::once_flag names_once;
  mutable NameHash<NameEntry> names;
  mutable std::once_flag functions_once;
  mutable NameHash<NameEntry> functions;
  mutable std::once_flag enumerators_once;
  mutable NameHash<EnumeratorEntry> enumerators;

  // Number of type ids, counting void; builds the offset index on first use.
  uint32_t type_count() const {
    std::call_once(offsets_once, [this] { build_offsets(); });
    return count;
  }
  void build_offsets() const;
  bool valid_id(uint32_t id) const { return id != 0 && id < type_count(); }
  RawType raw(uint32_t id) const;  // id must be valid
  std::string_view str(uint32_t off) const;
  std::string_view name_of(uint32_t id) const;
};

}  // namespace sonde::kernel
