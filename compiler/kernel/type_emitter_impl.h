// Private to the kernel module: what a TypeEmitter has recorded, shared by
// type_emitter.cpp (C declarations) and relocation_btf.cpp (the raw BTF subset).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/kernel/btf.h"

namespace sonde::kernel {

// A member as the emitted struct holds it: anonymous struct/union levels flattened,
// so the offset counts from the start of the outer struct.
struct RecordedMember {
  std::string_view name;
  uint32_t type = 0;  // kernel type id, as declared in the kernel
  uint32_t bit_offset = 0;
  uint32_t bitfield_size = 0;
  std::string c_declaration;  // "char comm[16]", "__u32 flags : 3"
};

// A kernel struct or union the program refers to.
struct Composite {
  uint32_t id = 0;  // kernel type id
  bool is_union = false;
  std::string_view kernel_name;  // empty for anonymous types
  std::string c_name;            // without the tag: "task_struct___s7"
  uint32_t size = 0;
  // Pointer-only uses need just a forward declaration; members or by-value uses
  // need a definition.
  bool defined = false;
  std::vector<RecordedMember> members;  // in bit-offset order
  // An anonymous struct/union a pointer leads to is spelled by the kernel's typedef
  // for it (guid_t): libbpf finds the root of a CO-RE access by its name, and
  // "__anon_N" names nothing in the kernel.
  std::string_view typedef_name;  // the kernel's; empty when none is used
  std::string typedef_c_name;     // "guid_t___s7"
};

struct TypeEmitter::Impl {
  std::shared_ptr<const Btf> btf;
  std::string suffix;
  std::map<uint32_t, Composite> composites;  // by kernel type id
  std::vector<uint32_t> order;               // kernel ids, first use first
  std::set<std::string> c_names;
  uint32_t enums = 0;  // anonymous enums declared (each names its one enumerator)

  // Registers a struct/union (a FWD is replaced by the full type of that name when the
  // kernel has one) and returns it.
  Composite& composite(uint32_t id);
  // C declaration of `declarator` with type `id`, as the emitted code spells it.
  // Registers every struct/union reached; those reached `by_value` get definitions.
  std::string declare(uint32_t id, const std::string& declarator, bool by_value, int depth = 0);
  // The C name of the typedef naming the anonymous struct/union `id` (registering
  // both), or nullptr when the kernel has none.
  const std::string* typedef_for(uint32_t id);
  // Struct/union ids a definition of `c` needs complete (members by value, arrays).
  std::vector<uint32_t> by_value_dependencies(const Composite& c) const;
};

// How the emitter spells a kernel integer-like type (int, enum, float, bool) in C;
// relocation_btf() mirrors it with an INT of the same size and signedness.
struct IntSpelling {
  uint32_t size = 0;
  bool is_signed = false;
  bool is_char = false;  // the kernel's `char`, kept as C `char` for strings
};
IntSpelling int_spelling(const Type& t);

}  // namespace sonde::kernel
