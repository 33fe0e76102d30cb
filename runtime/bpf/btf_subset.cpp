#include "runtime/bpf/btf_subset.h"

#include <bpf/btf.h>
#include <fmt/format.h>
#include <linux/btf.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace sonde::bpf {
namespace {

uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

class Writer {
 public:
  Writer(const btf::RawBtf& from, std::span<const uint32_t> ids)
      : from_(from), out_(btf__new_empty(), btf__free) {
    for (uint32_t i = 0; i < ids.size(); ++i) new_id_[ids[i]] = static_cast<int>(i + 1);
  }

  Result<std::vector<uint8_t>> write(std::span<const uint32_t> ids) {
    if (!out_) return Error{"cannot create a BTF: out of memory", ""};
    for (uint32_t id : ids) {
      btf::TypeRecord t = from_.type(id);
      int added = add(t);
      if (added != new_id_[id]) {
        return Error{
            fmt::format("libbpf's BTF writer refused type {} (kind {}, '{}'): {}", id, t.kind(),
                        from_.name(t.name_off), added < 0 ? std::strerror(-added) : "out of order"),
            ""};
      }
    }
    uint32_t size = 0;
    const auto* raw = static_cast<const uint8_t*>(btf__raw_data(out_.get(), &size));
    if (!raw) return Error{"cannot lay out the relocation BTF: out of memory", ""};
    return std::vector<uint8_t>(raw, raw + size);
  }

 private:
  int id(uint32_t from_id) const {
    auto it = new_id_.find(from_id);
    return it == new_id_.end() ? 0 : it->second;
  }
  // NUL-terminated in the string section; null for no name.
  const char* name(uint32_t name_off) const {
    std::string_view n = from_.name(name_off);
    return n.empty() ? nullptr : n.data();
  }

  // The new type's id, or a negative errno. Members and enumerators follow their type.
  int add(const btf::TypeRecord& t) {
    struct btf* b = out_.get();
    const char* n = name(t.name_off);
    const auto& e = t.extra;
    switch (t.kind()) {
      case BTF_KIND_INT: {
        uint32_t word = u32_at(e, 0);
        // libbpf writes whole-byte integers only; the kernel has no others.
        if (BTF_INT_OFFSET(word) != 0 || BTF_INT_BITS(word) != t.size_or_type * 8) return -EINVAL;
        return btf__add_int(b, n, t.size_or_type, static_cast<int>(BTF_INT_ENCODING(word)));
      }
      case BTF_KIND_FLOAT:
        return btf__add_float(b, n, t.size_or_type);
      case BTF_KIND_PTR:
        return btf__add_ptr(b, id(t.size_or_type));
      case BTF_KIND_ARRAY:  // type, index_type, nelems
        return btf__add_array(b, id(u32_at(e, 4)), id(u32_at(e, 0)), u32_at(e, 8));
      case BTF_KIND_TYPEDEF:
        return btf__add_typedef(b, n, id(t.size_or_type));
      case BTF_KIND_VOLATILE:
        return btf__add_volatile(b, id(t.size_or_type));
      case BTF_KIND_CONST:
        return btf__add_const(b, id(t.size_or_type));
      case BTF_KIND_RESTRICT:
        return btf__add_restrict(b, id(t.size_or_type));
      case BTF_KIND_TYPE_TAG:
        return btf__add_type_tag(b, n, id(t.size_or_type));
      case BTF_KIND_FWD:
        return btf__add_fwd(b, n, t.kind_flag() ? BTF_FWD_UNION : BTF_FWD_STRUCT);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        int added = t.kind() == BTF_KIND_STRUCT ? btf__add_struct(b, n, t.size_or_type)
                                                : btf__add_union(b, n, t.size_or_type);
        for (size_t i = 0; added > 0 && i < t.vlen(); ++i) {  // name_off, type, offset
          uint32_t offset = u32_at(e, 12 * i + 8);
          // With the kind flag, the top byte of an offset is the bitfield's size.
          uint32_t bits = t.kind_flag() ? BTF_MEMBER_BITFIELD_SIZE(offset) : 0;
          uint32_t bit_offset = t.kind_flag() ? BTF_MEMBER_BIT_OFFSET(offset) : offset;
          int err = btf__add_field(b, name(u32_at(e, 12 * i)), id(u32_at(e, 12 * i + 4)),
                                   bit_offset, bits);
          if (err < 0) return err;
        }
        return added;
      }
      case BTF_KIND_ENUM: {  // name_off, value; signed values when the kind flag is set
        int added = btf__add_enum(b, n, t.size_or_type);
        for (size_t i = 0; added > 0 && i < t.vlen(); ++i) {
          uint32_t value = u32_at(e, 8 * i + 4);
          int64_t v = t.kind_flag() ? int64_t{static_cast<int32_t>(value)} : int64_t{value};
          int err = btf__add_enum_value(b, name(u32_at(e, 8 * i)), v);
          if (err < 0) return err;
        }
        return added;
      }
      case BTF_KIND_ENUM64: {  // name_off, value low, value high
        int added = btf__add_enum64(b, n, t.size_or_type, t.kind_flag());
        for (size_t i = 0; added > 0 && i < t.vlen(); ++i) {
          uint64_t v = u32_at(e, 12 * i + 4) | uint64_t{u32_at(e, 12 * i + 8)} << 32;
          int err = btf__add_enum64_value(b, name(u32_at(e, 12 * i)), v);
          if (err < 0) return err;
        }
        return added;
      }
      case BTF_KIND_FUNC_PROTO: {  // return type; parameters: name_off, type
        int added = btf__add_func_proto(b, id(t.size_or_type));
        for (size_t i = 0; added > 0 && i < t.vlen(); ++i) {
          int err = btf__add_func_param(b, name(u32_at(e, 8 * i)), id(u32_at(e, 8 * i + 4)));
          if (err < 0) return err;
        }
        return added;
      }
      default:
        return -EINVAL;
    }
  }

  const btf::RawBtf& from_;
  std::unique_ptr<struct btf, void (*)(struct btf*)> out_;
  std::unordered_map<uint32_t, int> new_id_;
};

}  // namespace

Result<std::vector<uint8_t>> write_btf_subset(const btf::RawBtf& from,
                                              std::span<const uint32_t> ids) {
  return Writer(from, ids).write(ids);
}

}  // namespace sonde::bpf
