// Lookups over BTF: by name (hash indexes built on first use), through typedefs and
// anonymous members, and C spellings for messages.
#include <fmt/format.h>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/btf_impl.h"

namespace sonde::kernel {
namespace {

constexpr int kMaxDepth = 64;  // corrupt input may chain types in a cycle

bool is_modifier(uint32_t kind) {
  return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
         kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

uint32_t tag_of(TypeKind kind) { return static_cast<uint32_t>(kind); }

uint32_t hash_at(const Btf::Impl& impl, uint32_t name_off, uint32_t tag) {
  return name_hash::of_cstr(impl.strings + name_off, impl.strings + impl.strings_len, tag);
}

void insert_name(const Btf::Impl& impl, NameHash<NameEntry>& table, uint32_t id) {
  RawType t = impl.raw(id);
  if (t.name_off == 0 || t.name_off >= impl.strings_len) return;
  table.insert(NameEntry{hash_at(impl, t.name_off, tag_of(to_type_kind(t.kind()))), id});
}

void build_type_index(const Btf::Impl& impl) {
  impl.names.reserve(impl.named_type_ids.size());
  for (uint32_t id : impl.named_type_ids) insert_name(impl, impl.names, id);
}

void build_function_index(const Btf::Impl& impl) {
  impl.functions.reserve(impl.named_functions);
  const uint32_t count = impl.type_count();
  for (uint32_t id = 1; id < count; ++id) {
    if (impl.raw(id).kind() == BTF_KIND_FUNC) insert_name(impl, impl.functions, id);
  }
}

void build_enumerator_index(const Btf::Impl& impl) {
  impl.enumerators.reserve(impl.enumerators_total);
  for (uint32_t id : impl.enum_ids) {
    RawType t = impl.raw(id);
    size_t stride = t.kind() == BTF_KIND_ENUM64 ? sizeof(btf_enum64) : sizeof(btf_enum);
    for (uint32_t i = 0; i < t.vlen(); ++i) {
      uint32_t name_off = load_u32(t.extra + i * stride);
      if (name_off == 0 || name_off >= impl.strings_len) continue;
      impl.enumerators.insert(EnumeratorEntry{hash_at(impl, name_off, 0), id, i});
    }
  }
}

std::string_view enumerator_name(const Btf::Impl& impl, uint32_t id, uint32_t i) {
  RawType t = impl.raw(id);
  size_t stride = t.kind() == BTF_KIND_ENUM64 ? sizeof(btf_enum64) : sizeof(btf_enum);
  return impl.str(load_u32(t.extra + i * stride));
}

}  // namespace

uint32_t Btf::resolve(uint32_t id) const {
  for (int depth = 0; depth < kMaxDepth && impl_->valid_id(id); ++depth) {
    RawType t = impl_->raw(id);
    if (!is_modifier(t.kind())) return id;
    id = t.size_or_type;
  }
  return id;
}

std::optional<uint32_t> Btf::find(std::string_view name, TypeKind kind) const {
  if (name.empty()) return std::nullopt;
  bool functions = kind == TypeKind::kFunction;
  impl_->type_count();  // the index pass collects what the name indexes need
  if (functions) {
    std::call_once(impl_->functions_once, [this] { build_function_index(*impl_); });
  } else {
    std::call_once(impl_->names_once, [this] { build_type_index(*impl_); });
  }
  const NameHash<NameEntry>& table = functions ? impl_->functions : impl_->names;
  const NameEntry* e = table.find(name_hash::of(name, tag_of(kind)), [&](const NameEntry& entry) {
    return to_type_kind(impl_->raw(entry.id).kind()) == kind && impl_->name_of(entry.id) == name;
  });
  if (e == nullptr) return std::nullopt;
  return e->id;
}

std::optional<EnumConstant> Btf::find_enum_constant(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  impl_->type_count();
  std::call_once(impl_->enumerators_once, [this] { build_enumerator_index(*impl_); });
  const EnumeratorEntry* e =
      impl_->enumerators.find(name_hash::of(name, 0), [&](const EnumeratorEntry& entry) {
        return enumerator_name(*impl_, entry.id, entry.index) == name;
      });
  if (e == nullptr) return std::nullopt;
  EnumConstant out;
  out.enum_type = e->id;
  out.enum_name = impl_->name_of(e->id);
  out.value = enum_values(e->id)[e->index].value;
  return out;
}

std::vector<uint32_t> Btf::ids_with_prefix(TypeKind kind, std::string_view prefix) const {
  std::vector<uint32_t> out;
  const uint32_t count = impl_->type_count();
  for (uint32_t id = 1; id < count; ++id) {
    RawType t = impl_->raw(id);
    if (t.name_off == 0 || to_type_kind(t.kind()) != kind) continue;
    if (impl_->str(t.name_off).starts_with(prefix)) out.push_back(id);
  }
  return out;
}

std::vector<std::string_view> Btf::names_with_prefix(TypeKind kind, std::string_view prefix) const {
  std::vector<std::string_view> out;
  for (uint32_t id : ids_with_prefix(kind, prefix)) out.push_back(impl_->name_of(id));
  return out;
}

std::optional<Member> Btf::find_member(uint32_t struct_id, std::string_view name) const {
  struct Frame {
    uint32_t id;
    uint32_t base;
  };
  // Depth-first through anonymous struct/union members, in declaration order.
  std::vector<Frame> stack{{resolve(struct_id), 0}};
  int visited = 0;
  while (!stack.empty() && visited++ < 4096) {
    Frame f = stack.back();
    stack.pop_back();
    Type t = type(f.id);
    if (t.kind != TypeKind::kStruct && t.kind != TypeKind::kUnion) continue;
    std::vector<Member> members = this->members(f.id);
    std::vector<Frame> anonymous;
    for (const Member& m : members) {
      if (m.name == name) {
        Member found = m;
        found.bit_offset += f.base;
        return found;
      }
      if (m.name.empty()) anonymous.push_back({resolve(m.type), f.base + m.bit_offset});
    }
    // Pushed in reverse so the first anonymous member is searched first.
    stack.insert(stack.end(), anonymous.rbegin(), anonymous.rend());
  }
  return std::nullopt;
}

std::string Btf::type_name(uint32_t id) const { return spell(id, "", 0); }

// C declaration of `declarator` (a name, "*", "" for an abstract type) with type `id`,
// built inside out: pointers prepend to the declarator, arrays and prototypes append.
std::string Btf::spell(uint32_t id, const std::string& declarator, int depth) const {
  if (depth > kMaxDepth) return "<type cycle>";
  auto with = [&](std::string_view base) {
    if (declarator.empty()) return std::string(base);
    return fmt::format("{}{}{}", base, declarator.front() == '[' ? "" : " ", declarator);
  };
  // Pointers bind looser than arrays and calls: `char (*)[16]`, `void (*)(int)`.
  auto grouped = [&] {
    return !declarator.empty() && declarator.front() == '*' ? "(" + declarator + ")" : declarator;
  };
  Type t = type(id);
  switch (t.kind) {
    case TypeKind::kVoid:
      return with("void");
    case TypeKind::kUnknown:
      return with(fmt::format("<bad type {}>", id));
    case TypeKind::kStruct:
    case TypeKind::kUnion:
    case TypeKind::kEnum:
    case TypeKind::kForward: {
      std::string_view tag = t.kind == TypeKind::kStruct  ? "struct"
                             : t.kind == TypeKind::kUnion ? "union"
                             : t.kind == TypeKind::kEnum  ? "enum"
                             : t.kind_flag                ? "union"
                                                          : "struct";
      return with(fmt::format("{} {}", tag, t.name.empty() ? "(anon)" : t.name));
    }
    case TypeKind::kPointer:
      return spell(t.ref, "*" + declarator, depth + 1);
    case TypeKind::kConst:
    case TypeKind::kVolatile:
    case TypeKind::kRestrict: {
      std::string_view q = t.kind == TypeKind::kConst      ? "const"
                           : t.kind == TypeKind::kVolatile ? "volatile"
                                                           : "restrict";
      Type inner = type(t.ref);
      if (inner.kind == TypeKind::kPointer) {  // qualifies the pointer: `char *const`
        return spell(inner.ref,
                     fmt::format("*{}{}{}", q, declarator.empty() ? "" : " ", declarator),
                     depth + 1);
      }
      return fmt::format("{} {}", q, spell(t.ref, declarator, depth + 1));
    }
    case TypeKind::kArray:
      return spell(t.ref, fmt::format("{}[{}]", grouped(), t.nelems), depth + 1);
    case TypeKind::kFunctionProto: {
      std::string params;
      for (const Param& p : this->params(id)) {
        if (!params.empty()) params += ", ";
        params += p.type == 0 ? "..." : spell(p.type, "", depth + 1);
      }
      return spell(t.ref, fmt::format("{}({})", grouped(), params.empty() ? "void" : params),
                   depth + 1);
    }
    case TypeKind::kDeclTag:
    case TypeKind::kTypeTag:
      return spell(t.ref, declarator, depth + 1);
    default:  // int, float, typedef, func, var, datasec: their name
      return with(t.name.empty() ? "(anon)" : t.name);
  }
}

}  // namespace sonde::kernel
