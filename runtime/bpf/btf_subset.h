// Writes a part of a raw BTF as a BTF of its own, through libbpf's BTF writer
// (btf__new_empty, btf__add_*), for libbpf to read back as the relocation BTF
// (runtime/btf/relocation_btf.h chooses the types).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/btf/raw_btf.h"
#include "support/result.h"

namespace sonde::bpf {

// The types `ids` of `from` (ascending), renumbered 1..n in that order with their names,
// sizes, members, offsets and enumerators. A reference to a type outside `ids` becomes
// void: the caller includes everything held by value, so only pointers lose targets.
// An error on a record libbpf's writer refuses (an old-style bitfield integer) or a kind
// a relocation never reaches (functions, variables, sections, tags).
Result<std::vector<uint8_t>> write_btf_subset(const btf::RawBtf& from,
                                              std::span<const uint32_t> ids);

}  // namespace sonde::bpf
