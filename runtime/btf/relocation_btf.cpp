#include "runtime/btf/relocation_btf.h"

#include <fmt/format.h>
#include <linux/btf.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "format/elf.h"
#include "support/file_bytes.h"

namespace sonde::btf {
namespace {

// Kinds a CO-RE access can start from, matched by name.
bool named_root_kind(uint32_t kind) {
  return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
         kind == BTF_KIND_ENUM64 || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FWD;
}

// libbpf's bpf_core_essential_name_len: "task_struct___s1" -> "task_struct".
std::string_view essential_name(std::string_view name, bool& flavored) {
  flavored = false;
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name.substr(i + 1, 3) == "___" && name[i + 4] != '_') {
      flavored = true;
      return name.substr(0, i + 1);
    }
  }
  return name;
}

uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  uint8_t b[4];
  std::memcpy(b, &v, sizeof v);
  out.insert(out.end(), b, b + 4);
}

// The copied records and their names, with ids and name offsets renumbered.
class SubsetWriter {
 public:
  SubsetWriter(const RawBtf& kernel, const std::vector<uint32_t>& ids) : kernel_(kernel) {
    strings_.push_back('\0');
    for (uint32_t i = 0; i < ids.size(); ++i) new_id_[ids[i]] = i + 1;
  }

  std::vector<uint8_t> write(const std::vector<uint32_t>& ids) {
    for (uint32_t id : ids) copy(kernel_.type(id));
    std::vector<uint8_t> out;
    btf_header h{};
    h.magic = BTF_MAGIC;
    h.version = BTF_VERSION;
    h.hdr_len = sizeof h;
    h.type_len = static_cast<uint32_t>(types_.size());
    h.str_off = h.type_len;
    h.str_len = static_cast<uint32_t>(strings_.size());
    out.resize(sizeof h);
    std::memcpy(out.data(), &h, sizeof h);
    out.insert(out.end(), types_.begin(), types_.end());
    out.insert(out.end(), strings_.begin(), strings_.end());
    return out;
  }

 private:
  uint32_t id(uint32_t kernel_id) const {
    auto it = new_id_.find(kernel_id);
    return it == new_id_.end() ? 0 : it->second;
  }

  uint32_t name(uint32_t kernel_off) {
    std::string_view n = kernel_.name(kernel_off);
    if (n.empty()) return 0;
    auto [it, inserted] =
        names_.try_emplace(std::string(n), static_cast<uint32_t>(strings_.size()));
    if (inserted) strings_.append(n).push_back('\0');
    return it->second;
  }

  void copy(const TypeRecord& t) {
    uint32_t kind = t.kind();
    put_u32(types_, name(t.name_off));
    put_u32(types_, t.info);
    bool refers = kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
                  kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
    // Pointers point at void: libbpf finds any two pointers compatible.
    put_u32(types_, kind == BTF_KIND_PTR ? 0 : refers ? id(t.size_or_type) : t.size_or_type);
    const auto& e = t.extra;
    switch (kind) {
      case BTF_KIND_ARRAY:  // type, index_type, nelems
        put_u32(types_, id(u32_at(e, 0)));
        put_u32(types_, id(u32_at(e, 4)));
        put_u32(types_, u32_at(e, 8));
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:  // name_off, type, offset
        for (size_t i = 0; i < t.vlen(); ++i) {
          put_u32(types_, name(u32_at(e, 12 * i)));
          put_u32(types_, id(u32_at(e, 12 * i + 4)));
          put_u32(types_, u32_at(e, 12 * i + 8));
        }
        break;
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {  // name_off, value (one or two words)
        size_t stride = kind == BTF_KIND_ENUM ? 8 : 12;
        for (size_t i = 0; i < t.vlen(); ++i) {
          put_u32(types_, name(u32_at(e, stride * i)));
          for (size_t w = 4; w < stride; w += 4) put_u32(types_, u32_at(e, stride * i + w));
        }
        break;
      }
      default:  // INT's encoding word; nothing for the others
        types_.insert(types_.end(), e.begin(), e.end());
    }
  }

  const RawBtf& kernel_;
  std::unordered_map<uint32_t, uint32_t> new_id_;
  std::unordered_map<std::string, uint32_t> names_;
  std::vector<uint8_t> types_;
  std::string strings_;
};

// Adds `root` and what it holds by value to `keep`; false on a kind that cannot be
// held by value (the BTF is not what this code expects).
bool close_over(const RawBtf& kernel, uint32_t root, std::unordered_set<uint32_t>& keep) {
  std::vector<uint32_t> stack = {root};
  while (!stack.empty()) {
    uint32_t id = stack.back();
    stack.pop_back();
    if (id == 0 || id >= kernel.count() || !keep.insert(id).second) continue;
    TypeRecord t = kernel.type(id);
    switch (t.kind()) {
      case BTF_KIND_INT:
      case BTF_KIND_FLOAT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FWD:
      case BTF_KIND_PTR:
        break;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        stack.push_back(t.size_or_type);
        break;
      case BTF_KIND_ARRAY:
        stack.push_back(u32_at(t.extra, 0));
        stack.push_back(u32_at(t.extra, 4));
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        for (size_t i = 0; i < t.vlen(); ++i) stack.push_back(u32_at(t.extra, 12 * i + 4));
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<uint8_t>> relocation_btf(std::span<const uint8_t> object_elf,
                                            const RawBtf& kernel) {
  auto section = format::elf_section_bytes(object_elf, ".BTF");
  if (!section) return section.error();
  auto local = RawBtf::parse(*section);
  if (!local) return local.error();

  // Local type names -> whether one of them carries a flavor (must be found).
  std::unordered_map<std::string_view, bool> wanted;
  for (uint32_t id = 1; id < local->count(); ++id) {
    TypeRecord t = local->type(id);
    if (!named_root_kind(t.kind())) continue;
    std::string_view n = local->name(t.name_off);
    if (n.empty()) continue;
    bool flavored = false;
    std::string_view essential = essential_name(n, flavored);
    wanted[essential] = wanted[essential] || flavored;
  }

  std::unordered_set<uint32_t> keep;
  std::unordered_set<std::string_view> found;
  for (uint32_t id = 1; id < kernel.count(); ++id) {
    TypeRecord t = kernel.type(id);
    if (!named_root_kind(t.kind())) continue;
    std::string_view n = kernel.name(t.name_off);
    if (n.empty() || !wanted.count(n)) continue;
    found.insert(n);
    if (!close_over(kernel, id, keep))
      return Error{fmt::format("kernel type {} holds an unexpected kind", n), ""};
  }
  for (const auto& [n, flavored] : wanted) {
    if (flavored && !found.count(n)) return Error{fmt::format("no kernel type named {}", n), ""};
  }

  std::vector<uint32_t> ids(keep.begin(), keep.end());
  std::sort(ids.begin(), ids.end());  // the kernel's order, so the output is deterministic
  return SubsetWriter(kernel, ids).write(ids);
}

Result<std::vector<uint8_t>> read_kernel_btf(const char* path) { return read_file_bytes(path); }

}  // namespace sonde::btf
