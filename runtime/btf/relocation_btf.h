// The part of the running kernel's BTF that libbpf needs to relocate one BPF object's
// CO-RE accesses: handed to libbpf in place of the whole vmlinux BTF, whose parse costs
// libbpf 1.1 ~34-40 ms and doubles a small agent's peak memory (it holds two 5.5 MB
// copies for a moment). `sonde run`, the REPL and `sonde-agent` all load through it
// (runtime/session/relocation.h); runtime/bpf/btf_subset.h writes the chosen types.
//
// libbpf takes the name of the local type each relocation starts from (without its
// "___flavor" suffix), finds every target type of that kind and essential name, then
// follows the access through members by name and array elements, checking member
// types loosely: any two structs or unions match, and any two pointers, whatever they
// point to. So the subset holds every kernel type named like a relocation's root, and
// what those contain by value (members, array elements, typedef targets); a pointer
// member points at void unless its target is in the subset anyway, which cuts the
// closure short (a struct reached through a pointer is the root of a relocation of
// its own). Types the roots name through typedefs, qualifiers and pointers are kept
// with their targets: libbpf compares those for type-based relocations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/btf/raw_btf.h"
#include "support/result.h"

namespace sonde::btf {

// A local type a CO-RE relocation starts from, as libbpf looks it up.
struct CoreRoot {
  uint32_t kind = 0;  // BTF_KIND_*; ENUM64 is looked up as ENUM (libbpf matches either)
  std::string name;   // without the "___flavor" suffix
  auto operator<=>(const CoreRoot&) const = default;
};

// What an object's CO-RE relocations start from.
struct CoreRelocations {
  // Sorted, unique; empty when the object has no relocation that reads the target BTF.
  std::vector<CoreRoot> roots;
  // Non-empty when only the kernel's own BTF will do, and why: a relocation asks for
  // a type id of the kernel's (bpf_core_type_id_kernel) or for a whole-type match.
  std::string needs_whole_btf;
};

// Reads the object's .BTF and .BTF.ext. An object without them has no relocation.
Result<CoreRelocations> core_relocations(std::span<const uint8_t> object_elf);

// Kernel type ids (ascending) of the subset. An error when a root has no kernel type
// of its name: it may live in a module's BTF, which libbpf searches only when it reads
// the kernel's BTF itself.
Result<std::vector<uint32_t>> relocation_types(const CoreRelocations& relocations,
                                               const RawBtf& kernel);

}  // namespace sonde::btf
