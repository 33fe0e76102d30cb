// C declarations for the kernel types a program uses.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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

  // Registers a struct/union (a FWD is replaced by the full type of that name when the
  // kernel has one) and returns it.
  Composite& composite(uint32_t id);
  // C declaration of `declarator` with type `id`, as the emitted code spells it.
  // Registers every struct/union reached; those reached `by_value` get definitions.
  // A `member` of a struct spells enums as enums (see kPrelude).
  std::string declare(uint32_t id, const std::string& declarator, bool by_value,
                      bool member = false, int depth = 0);
  // The C name of the typedef naming the anonymous struct/union `id` (registering
  // both), or nullptr when the kernel has none.
  const std::string* typedef_for(uint32_t id);
  // Struct/union ids a definition of `c` needs complete (members by value, arrays).
  std::vector<uint32_t> by_value_dependencies(const Composite& c) const;
};

namespace {

// How the emitter spells a kernel integer-like type (int, enum, float, bool) in C.
struct IntSpelling {
  uint32_t size = 0;
  bool is_signed = false;
  bool is_char = false;  // the kernel's `char`, kept as C `char` for strings
};

// The generated program is compiled with only sonde's own headers: no libc, no kernel
// headers, no vmlinux.h. Kernel integers are spelled with these typedefs (by size and
// signedness, which is all CO-RE compares), `char` stays `char`, and 16-byte integers
// use clang's `__int128`. Identical typedefs may repeat in C11, so other headers of
// ours may define them too.
constexpr std::string_view kPrelude =
    R"(/* Fixed-width integers: the program sees no system headers. */
#ifndef SONDE_FIXED_WIDTH_TYPES
#define SONDE_FIXED_WIDTH_TYPES
typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
#endif
/* Enum-typed members, by size and signedness: CO-RE matches a member of an anonymous
 * enum type with any enum, and one of an integer type with none. */
#ifndef SONDE_ENUM_TYPES
#define SONDE_ENUM_TYPES
typedef enum __attribute__((packed)) { __sonde_enum_u8_max = 0xff } __sonde_enum_u8;
typedef enum __attribute__((packed)) { __sonde_enum_s8_min = -0x80 } __sonde_enum_s8;
typedef enum __attribute__((packed)) { __sonde_enum_u16_max = 0xffff } __sonde_enum_u16;
typedef enum __attribute__((packed)) { __sonde_enum_s16_min = -0x8000 } __sonde_enum_s16;
typedef enum { __sonde_enum_u32_max = 0xffffffffu } __sonde_enum_u32;
typedef enum { __sonde_enum_s32_min = -0x7fffffff - 1 } __sonde_enum_s32;
typedef enum { __sonde_enum_u64_max = 0xffffffffffffffffull } __sonde_enum_u64;
typedef enum { __sonde_enum_s64_min = -0x7fffffffffffffffll - 1 } __sonde_enum_s64;
#endif
)";

constexpr int kMaxDepth = 32;

std::string with(std::string_view base, const std::string& declarator) {
  if (declarator.empty()) return std::string(base);
  return fmt::format("{}{}{}", base, declarator.front() == '[' ? "" : " ", declarator);
}

// `*p` must be parenthesized before an array suffix: `char (*p)[16]`.
std::string grouped(const std::string& declarator) {
  return !declarator.empty() && declarator.front() == '*' ? "(" + declarator + ")" : declarator;
}

// "" when C has no integer type of that size.
std::string_view int_c_name(const IntSpelling& s) {
  if (s.is_char && s.size == 1) return "char";
  switch (s.size) {
    case 1:
      return s.is_signed ? "__s8" : "__u8";
    case 2:
      return s.is_signed ? "__s16" : "__u16";
    case 4:
      return s.is_signed ? "__s32" : "__u32";
    case 8:
      return s.is_signed ? "__s64" : "__u64";
    case 16:
      return s.is_signed ? "__int128" : "unsigned __int128";
    default:
      return "";
  }
}

// "" when there is no enum type of that size.
std::string enum_c_name(const IntSpelling& s) {
  if (s.size != 1 && s.size != 2 && s.size != 4 && s.size != 8) return "";
  return fmt::format("__sonde_enum_{}{}", s.is_signed ? 's' : 'u', s.size * 8);
}

bool is_composite(TypeKind k) {
  return k == TypeKind::kStruct || k == TypeKind::kUnion || k == TypeKind::kForward;
}

IntSpelling int_spelling(const Type& t) {
  IntSpelling s;
  s.size = t.size;
  switch (t.kind) {
    case TypeKind::kInt:
      s.is_signed = t.is_signed;
      s.is_char = t.name == "char";
      break;
    case TypeKind::kEnum:
      s.is_signed = t.is_signed;
      break;
    default:  // floats and bools are read as raw unsigned bits
      break;
  }
  return s;
}

}  // namespace

Composite& TypeEmitter::Impl::composite(uint32_t id) {
  Type t = btf->type(id);
  if (t.kind == TypeKind::kForward && !t.name.empty()) {
    // A pointer to a forward declaration: use the kernel's definition of that name.
    if (auto full = btf->find(t.name, t.kind_flag ? TypeKind::kUnion : TypeKind::kStruct)) {
      id = *full;
      t = btf->type(id);
    }
  }
  auto [it, inserted] = composites.try_emplace(id);
  Composite& c = it->second;
  if (!inserted) return c;
  c.id = id;
  c.is_union = t.kind == TypeKind::kUnion || (t.kind == TypeKind::kForward && t.kind_flag);
  c.kernel_name = t.name;
  c.size = t.size;
  std::string name =
      t.name.empty() ? fmt::format("__anon_{}{}", id, suffix) : fmt::format("{}{}", t.name, suffix);
  // The kernel has a few distinct types sharing a name; libbpf strips what follows the
  // last "___", so the disambiguator goes after the suffix.
  if (c_names.count(name) != 0) name = fmt::format("{}_{}", name, id);
  c_names.insert(name);
  c.c_name = std::move(name);
  order.push_back(id);
  return c;
}

std::string TypeEmitter::Impl::declare(uint32_t id, const std::string& declarator, bool by_value,
                                       bool member, int depth) {
  if (depth > kMaxDepth) return with("void", "*" + declarator);
  id = btf->resolve(id);
  Type t = btf->type(id);
  switch (t.kind) {
    case TypeKind::kVoid:
      return with("void", declarator);
    case TypeKind::kEnum:
      if (member && by_value) {
        std::string name = enum_c_name(int_spelling(t));
        if (!name.empty()) return with(name, declarator);
      }
      [[fallthrough]];
    case TypeKind::kInt:
    case TypeKind::kFloat: {
      std::string_view name = int_c_name(int_spelling(t));
      if (!name.empty()) return with(name, declarator);
      return with("__u8", fmt::format("{}[{}]", grouped(declarator), t.size));
    }
    case TypeKind::kPointer: {
      Type pointee = btf->type(btf->resolve(t.ref));
      bool spellable = pointee.kind == TypeKind::kVoid || pointee.kind == TypeKind::kInt ||
                       pointee.kind == TypeKind::kEnum || pointee.kind == TypeKind::kFloat ||
                       pointee.kind == TypeKind::kPointer || is_composite(pointee.kind);
      // Function pointers, pointers to arrays and the like are addresses to the program.
      if (!spellable) return with("void", "*" + declarator);
      return declare(pointee.id, "*" + declarator, false, member, depth + 1);
    }
    case TypeKind::kArray:
      return declare(t.ref, fmt::format("{}[{}]", grouped(declarator), t.nelems), by_value, member,
                     depth + 1);
    case TypeKind::kStruct:
    case TypeKind::kUnion:
    case TypeKind::kForward: {
      Composite& c = composite(id);
      if (by_value && btf->type(c.id).kind != TypeKind::kForward) c.defined = true;
      return with(fmt::format("{} {}", c.is_union ? "union" : "struct", c.c_name), declarator);
    }
    default:  // functions, variables, sections, tags: nothing a program reads by value
      return with("void", "*" + declarator);
  }
}

const std::string* TypeEmitter::Impl::typedef_for(uint32_t id) {
  Composite& c = composite(id);
  if (!c.kernel_name.empty()) return nullptr;
  if (c.typedef_name.empty()) {
    // One scan of the type index (~1 ms), only for anonymous roots of member accesses.
    for (uint32_t t : btf->ids_with_prefix(TypeKind::kTypedef, "")) {
      if (btf->resolve(btf->type(t).ref) != c.id) continue;
      c.typedef_name = btf->type(t).name;
      std::string name = fmt::format("{}{}", c.typedef_name, suffix);
      if (c_names.count(name) != 0) name = fmt::format("{}_{}", name, t);
      c_names.insert(name);
      c.typedef_c_name = std::move(name);
      break;
    }
  }
  return c.typedef_name.empty() ? nullptr : &c.typedef_c_name;
}

std::vector<uint32_t> TypeEmitter::Impl::by_value_dependencies(const Composite& c) const {
  std::vector<uint32_t> out;
  for (const RecordedMember& m : c.members) {
    uint32_t id = btf->resolve(m.type);
    for (int depth = 0; depth < kMaxDepth && btf->type(id).kind == TypeKind::kArray; ++depth) {
      id = btf->resolve(btf->type(id).ref);
    }
    Type t = btf->type(id);
    if (t.kind == TypeKind::kStruct || t.kind == TypeKind::kUnion) out.push_back(id);
  }
  return out;
}

TypeEmitter::TypeEmitter(std::shared_ptr<const Btf> btf, std::string suffix)
    : impl_(std::make_unique<Impl>()) {
  impl_->btf = std::move(btf);
  impl_->suffix = std::move(suffix);
}

TypeEmitter::~TypeEmitter() = default;

std::string_view TypeEmitter::prelude() { return kPrelude; }

std::optional<uint32_t> TypeEmitter::use_member(uint32_t struct_id, std::string_view member) {
  const Btf& btf = *impl_->btf;
  uint32_t id = btf.resolve(struct_id);
  Type t = btf.type(id);
  if (!is_composite(t.kind)) return std::nullopt;
  Composite& c = impl_->composite(id);  // a FWD becomes its definition here
  std::optional<Member> m = btf.find_member(c.id, member);
  if (!m) return std::nullopt;
  c.defined = true;
  auto same = [&](const RecordedMember& r) { return r.name == m->name; };
  if (std::find_if(c.members.begin(), c.members.end(), same) == c.members.end()) {
    RecordedMember r{m->name, m->type, m->bit_offset, m->bitfield_size, ""};
    r.c_declaration = impl_->declare(m->type, std::string(m->name), true, true);
    if (m->bitfield_size != 0) r.c_declaration += fmt::format(" : {}", m->bitfield_size);
    // Kernel order; members of one anonymous union share an offset and keep theirs.
    auto pos = std::upper_bound(
        c.members.begin(), c.members.end(), r.bit_offset,
        [](uint32_t offset, const RecordedMember& x) { return offset < x.bit_offset; });
    c.members.insert(pos, std::move(r));
  }
  return m->type;
}

std::string TypeEmitter::c_type(uint32_t type_id) {
  const uint32_t id = impl_->btf->resolve(type_id);
  const Type t = impl_->btf->type(id);
  if ((t.kind == TypeKind::kStruct || t.kind == TypeKind::kUnion) && t.name.empty()) {
    impl_->composite(id).defined = true;
    if (const std::string* name = impl_->typedef_for(id)) return *name;
  }
  return impl_->declare(type_id, "", true);
}

std::string TypeEmitter::c_declaration(uint32_t type_id, std::string_view name) {
  return impl_->declare(type_id, std::string(name), true);
}

std::string TypeEmitter::declarations() const {
  std::string out(kPrelude);
  if (impl_->order.empty()) return out;
  out += "\n/* Kernel types, reduced to the members this program reads; CO-RE relocates them. */\n";
  for (uint32_t id : impl_->order) {
    const Composite& c = impl_->composites.at(id);
    out += fmt::format("{} {};\n", c.is_union ? "union" : "struct", c.c_name);
    if (!c.typedef_c_name.empty())
      out += fmt::format("typedef {} {} {};\n", c.is_union ? "union" : "struct", c.c_name,
                         c.typedef_c_name);
  }
  // Definitions after every type they embed by value.
  std::set<uint32_t> done;
  std::function<void(uint32_t)> define = [&](uint32_t id) {
    auto it = impl_->composites.find(id);
    if (it == impl_->composites.end() || !it->second.defined || !done.insert(id).second) return;
    const Composite& c = it->second;
    for (uint32_t dep : impl_->by_value_dependencies(c)) define(dep);
    out += fmt::format("\n{} {} {{\n", c.is_union ? "union" : "struct", c.c_name);
    for (const RecordedMember& m : c.members) out += fmt::format("\t{};\n", m.c_declaration);
    out += "} __attribute__((preserve_access_index));\n";
  };
  for (uint32_t id : impl_->order) define(id);
  return out;
}

}  // namespace sonde::kernel
