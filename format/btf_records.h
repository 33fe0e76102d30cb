// The layout of raw BTF (/usr/include/linux/btf.h), the kernel's binary type format:
// its header and sections, and how long each type record is. The compiler's full BTF
// reader (compiler/kernel) and the runtime's relocation subset (runtime/btf) both build
// on it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::format {

inline constexpr uint32_t kBtfTypeHeaderSize = 12;  // sizeof(struct btf_type)

// Bytes of a kind's trailing data after the 12-byte record (members, enumerators,
// parameters, ...); -1 for a kind this reader does not know.
int64_t btf_trailing_bytes(uint32_t kind, uint32_t vlen);

struct BtfSections {
  std::span<const uint8_t> types;
  std::string_view strings;  // starts and ends with NUL, so every name is terminated
};

// Checks the header of `data` (magic, version, lengths, the sections within the bytes
// and aligned) and returns its two sections. Errors say "corrupt BTF: ..." or "not BTF".
Result<BtfSections> btf_sections(std::span<const uint8_t> data);

// One CO-RE relocation of a BPF object (a `struct bpf_core_relo` of its .BTF.ext): the
// local type the access starts from (an id in the object's .BTF) and its kind
// (`enum bpf_core_relo_kind`, /usr/include/linux/bpf.h).
struct BtfCoreRelocation {
  uint32_t type_id = 0;
  uint32_t kind = 0;
};

// The CO-RE relocations of a .BTF.ext section, in the order they are stored; none when
// its header stops before the CO-RE part. Checked as libbpf checks them: errors say
// "corrupt .BTF.ext: ...".
Result<std::vector<BtfCoreRelocation>> btf_ext_core_relocations(std::span<const uint8_t> btf_ext);

}  // namespace sonde::format
