#include "runtime/btf/relocation_btf.h"

#include <fmt/format.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_map>

#include "format/btf_records.h"
#include "format/elf.h"

namespace sonde::btf {
namespace {

// libbpf's bpf_core_essential_name_len: "task_struct___s1" -> "task_struct".
std::string_view essential_name(std::string_view name) {
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name.substr(i + 1, 3) == "___" && name[i + 4] != '_')
      return name.substr(0, i + 1);
  }
  return name;
}

// libbpf's btf_kind_core_compat: the kinds a root of this kind matches.
uint32_t match_kind(uint32_t kind) {
  return kind == BTF_KIND_ENUM64 ? uint32_t{BTF_KIND_ENUM} : kind;
}

uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

// Adds `root` and what it holds by value to `keep`. The root and the types it names
// through typedefs, qualifiers, pointers and arrays keep their targets (`whole`);
// struct members keep only what they hold by value. False on a kind that cannot be
// reached so (the BTF is not what this code expects).
bool close_over(const RawBtf& kernel, uint32_t root, std::unordered_map<uint32_t, bool>& keep) {
  std::vector<std::pair<uint32_t, bool>> stack = {{root, true}};
  while (!stack.empty()) {
    auto [id, whole] = stack.back();
    stack.pop_back();
    if (id == 0 || id >= kernel.count()) continue;
    auto [it, inserted] = keep.try_emplace(id, whole);
    if (!inserted) {
      if (it->second || !whole) continue;
      it->second = true;  // seen as a member before, now named by a root: follow pointers
    }
    TypeRecord t = kernel.type(id);
    switch (t.kind()) {
      case BTF_KIND_INT:
      case BTF_KIND_FLOAT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FWD:
        break;
      case BTF_KIND_PTR:
        if (whole) stack.push_back({t.size_or_type, true});
        break;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        stack.push_back({t.size_or_type, whole});
        break;
      case BTF_KIND_ARRAY:
        stack.push_back({u32_at(t.extra, 0), whole});
        stack.push_back({u32_at(t.extra, 4), false});
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        for (size_t i = 0; i < t.vlen(); ++i) stack.push_back({u32_at(t.extra, 12 * i + 4), false});
        break;
      case BTF_KIND_FUNC_PROTO:  // only behind a root's pointer: libbpf compares signatures
        if (!whole) return false;
        stack.push_back({t.size_or_type, true});
        for (size_t i = 0; i < t.vlen(); ++i) stack.push_back({u32_at(t.extra, 8 * i + 4), true});
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

Result<CoreRelocations> core_relocations(std::span<const uint8_t> object_elf) {
  CoreRelocations out;
  auto ext = format::elf_section_bytes(object_elf, ".BTF.ext");
  if (!ext) return out;  // no .BTF.ext, no relocation
  auto relocations = format::btf_ext_core_relocations(*ext);
  if (!relocations) return relocations.error();
  if (relocations->empty()) return out;
  auto section = format::elf_section_bytes(object_elf, ".BTF");
  if (!section) return Error{"the object has CO-RE relocations but no .BTF section", ""};
  auto local = RawBtf::parse(*section);
  if (!local) return local.error();

  std::set<CoreRoot> roots;
  for (const auto& r : *relocations) {
    if (r.kind == BPF_CORE_TYPE_ID_LOCAL) continue;  // answered from the object alone
    if (r.kind == BPF_CORE_TYPE_ID_TARGET || r.kind > BPF_CORE_ENUMVAL_VALUE) {
      // Kernel type ids, or a match that follows pointers: the kernel's own BTF only.
      out.needs_whole_btf =
          r.kind == BPF_CORE_TYPE_ID_TARGET
              ? "a relocation asks for a kernel type id"
              : fmt::format("a relocation of kind {} compares whole types", r.kind);
      return out;
    }
    if (r.type_id == 0 || r.type_id >= local->count())
      return Error{fmt::format("a CO-RE relocation names type {} of {}", r.type_id, local->count()),
                   ""};
    TypeRecord t = local->type(r.type_id);
    std::string_view name = essential_name(local->name(t.name_off));
    if (name.empty()) {
      out.needs_whole_btf = "a relocation starts from an anonymous type";
      return out;
    }
    roots.insert({match_kind(t.kind()), std::string(name)});
  }
  out.roots.assign(roots.begin(), roots.end());
  return out;
}

Result<std::vector<uint32_t>> relocation_types(const CoreRelocations& relocations,
                                               const RawBtf& kernel) {
  std::unordered_map<std::string_view, std::vector<uint32_t>> wanted;  // name -> kinds
  for (const CoreRoot& r : relocations.roots) wanted[r.name].push_back(r.kind);
  std::set<CoreRoot> found;
  std::unordered_map<uint32_t, bool> keep;
  Status failed;
  kernel.for_each_named_root([&](uint32_t id, const TypeRecord& t) {
    if (!failed) return;
    std::string_view name = essential_name(kernel.name(t.name_off));
    auto it = wanted.find(name);
    if (it == wanted.end()) return;
    uint32_t kind = match_kind(t.kind());
    if (std::find(it->second.begin(), it->second.end(), kind) == it->second.end()) return;
    found.insert({kind, std::string(name)});
    if (!close_over(kernel, id, keep))
      failed = Error{fmt::format("kernel type {} holds an unexpected kind", name), ""};
  });
  if (!failed) return failed.error();
  for (const CoreRoot& r : relocations.roots) {
    if (!found.count(r)) return Error{fmt::format("no kernel type named {}", r.name), ""};
  }
  std::vector<uint32_t> ids;
  ids.reserve(keep.size());
  for (const auto& [id, whole] : keep) ids.push_back(id);
  std::sort(ids.begin(), ids.end());  // the kernel's order, so the output is deterministic
  return ids;
}

}  // namespace sonde::btf
