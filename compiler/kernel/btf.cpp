// Loading and decoding BTF: the header, the type-offset index and per-type records.
// Lookups by name live in btf_lookup.cpp.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/btf_impl.h"
#include "format/btf_records.h"

namespace sonde::kernel {
namespace {

constexpr uint32_t kTypeHeaderSize = format::kBtfTypeHeaderSize;
constexpr int kMaxResolveDepth = 64;  // corrupt input may chain typedefs in a cycle

Error corrupt(std::string what) { return Error{fmt::format("corrupt BTF: {}", what), ""}; }

Status parse_header(Btf::Impl& impl) {
  auto sections = format::btf_sections({impl.data, impl.size});
  if (!sections) return sections.error();
  impl.types = sections->types.data();
  impl.types_len = static_cast<uint32_t>(sections->types.size());
  impl.strings = sections->strings.data();
  impl.strings_len = static_cast<uint32_t>(sections->strings.size());
  return {};
}

Error errno_error(std::string_view what, const std::string& path) {
  int err = errno;
  std::string hint;
  if (err == ENOENT && path == "/sys/kernel/btf/vmlinux") {
    hint = "this kernel was built without CONFIG_DEBUG_INFO_BTF";
  }
  return Error{fmt::format("{} {}: {}", what, path, std::strerror(err)), hint};
}

}  // namespace

TypeKind to_type_kind(uint32_t btf_kind) {
  switch (btf_kind) {
    case BTF_KIND_INT:
      return TypeKind::kInt;
    case BTF_KIND_PTR:
      return TypeKind::kPointer;
    case BTF_KIND_ARRAY:
      return TypeKind::kArray;
    case BTF_KIND_STRUCT:
      return TypeKind::kStruct;
    case BTF_KIND_UNION:
      return TypeKind::kUnion;
    case BTF_KIND_ENUM:
      return TypeKind::kEnum;
    case BTF_KIND_ENUM64:
      return TypeKind::kEnum;
    case BTF_KIND_FWD:
      return TypeKind::kForward;
    case BTF_KIND_TYPEDEF:
      return TypeKind::kTypedef;
    case BTF_KIND_VOLATILE:
      return TypeKind::kVolatile;
    case BTF_KIND_CONST:
      return TypeKind::kConst;
    case BTF_KIND_RESTRICT:
      return TypeKind::kRestrict;
    case BTF_KIND_FUNC:
      return TypeKind::kFunction;
    case BTF_KIND_FUNC_PROTO:
      return TypeKind::kFunctionProto;
    case BTF_KIND_VAR:
      return TypeKind::kVariable;
    case BTF_KIND_DATASEC:
      return TypeKind::kDataSection;
    case BTF_KIND_FLOAT:
      return TypeKind::kFloat;
    case BTF_KIND_DECL_TAG:
      return TypeKind::kDeclTag;
    case BTF_KIND_TYPE_TAG:
      return TypeKind::kTypeTag;
    default:
      return TypeKind::kUnknown;
  }
}

Btf::Impl::~Impl() {
  if (map != nullptr) munmap(map, map_len);
}

void Btf::Impl::build_offsets() const {
  // One pass into an array sized for the most records the section could hold (12
  // bytes each), whose unused tail pages are then returned.
  offsets = PrefaultedArray<uint32_t>(types_len / kTypeHeaderSize + 1);
  uint32_t off = 0;
  uint32_t id = 1;
  while (off < types_len) {
    if (types_len - off < kTypeHeaderSize) {
      offsets_error = fmt::format("type {} at byte {} is truncated", id, off);
      break;
    }
    uint32_t name_off = load_u32(types + off);
    uint32_t info = load_u32(types + off + 4);
    uint32_t kind = BTF_INFO_KIND(info);
    int64_t extra = format::btf_trailing_bytes(kind, BTF_INFO_VLEN(info));
    if (extra < 0) {
      offsets_error = fmt::format("type {} at byte {} has unknown kind {}", id, off, kind);
      break;
    }
    if (extra > int64_t{types_len - off - kTypeHeaderSize}) {
      offsets_error = fmt::format("type {} at byte {} runs past the type section", id, off);
      break;
    }
    if (id > BTF_MAX_TYPE) {
      offsets_error = "more types than BTF ids can number";
      break;
    }
    if (name_off != 0) {
      if (kind == BTF_KIND_FUNC) {
        ++named_functions;
      } else {
        named_type_ids.push_back(id);
      }
    }
    if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
      enum_ids.push_back(id);
      enumerators_total += BTF_INFO_VLEN(info);
    }
    offsets[id++] = off;
    off += kTypeHeaderSize + static_cast<uint32_t>(extra);
  }
  count = id;
  offsets.shrink(count);
}

RawType Btf::Impl::raw(uint32_t id) const {
  const uint8_t* p = types + offsets[id];
  RawType t;
  t.name_off = load_u32(p);
  t.info = load_u32(p + 4);
  t.size_or_type = load_u32(p + 8);
  t.extra = p + kTypeHeaderSize;
  return t;
}

std::string_view Btf::Impl::str(uint32_t off) const {
  if (off >= strings_len) return {};
  return std::string_view(strings + off);  // terminated: parse_header checked the last byte
}

std::string_view Btf::Impl::name_of(uint32_t id) const {
  return valid_id(id) ? str(load_u32(types + offsets[id])) : std::string_view{};
}

Btf::Btf(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Btf::~Btf() = default;

Result<std::shared_ptr<const Btf>> Btf::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open", path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    Error e = errno_error("cannot stat", path);
    ::close(fd);
    return e;
  }
  size_t len = static_cast<size_t>(st.st_size);
  // Mapping the sysfs file costs ~1 ms; reading it costs ~16 ms of page faults.
  void* map = len > 0 ? mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  if (map != MAP_FAILED) {
    impl->map = map;
    impl->map_len = len;
    impl->data = static_cast<const uint8_t*>(map);
    impl->size = len;
  } else {
    // Kernels before 6.16 cannot mmap the sysfs file: read it.
    impl->owned.resize(len > 0 ? len : 1 << 20);
    size_t got = 0;
    for (;;) {
      if (got == impl->owned.size()) impl->owned.resize(got * 2);
      ssize_t n = ::read(fd, impl->owned.data() + got, impl->owned.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e = errno_error("cannot read", path);
        ::close(fd);
        return e;
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    impl->owned.resize(got);
    impl->data = impl->owned.data();
    impl->size = got;
  }
  ::close(fd);
  if (Status s = parse_header(*impl); !s) {
    return Error{fmt::format("{}: {}", path, s.error().message), s.error().hint};
  }
  return std::shared_ptr<const Btf>(new Btf(std::move(impl)));
}

Result<std::shared_ptr<const Btf>> Btf::from_bytes(std::vector<uint8_t> bytes) {
  auto impl = std::make_unique<Impl>();
  impl->owned = std::move(bytes);
  impl->data = impl->owned.data();
  impl->size = impl->owned.size();
  if (Status s = parse_header(*impl); !s) return s.error();
  std::shared_ptr<const Btf> btf(new Btf(std::move(impl)));
  if (Status s = btf->validate(); !s) return s.error();
  return btf;
}

Status Btf::validate() const {
  const uint32_t count = impl_->type_count();
  if (!impl_->offsets_error.empty()) return corrupt(impl_->offsets_error);
  auto bad_ref = [&](uint32_t id, uint32_t ref) -> Status {
    return corrupt(fmt::format("type {} refers to type {}, but there are only {}", id, ref, count));
  };
  auto bad_name = [&](uint32_t id, uint32_t off) -> Status {
    return corrupt(fmt::format("type {} names string offset {} past the string section", id, off));
  };
  for (uint32_t id = 1; id < count; ++id) {
    RawType t = impl_->raw(id);
    if (t.name_off >= impl_->strings_len) return bad_name(id, t.name_off);
    const uint8_t* x = t.extra;
    switch (t.kind()) {
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_FUNC:
      case BTF_KIND_FUNC_PROTO:  // the return type
      case BTF_KIND_VAR:
      case BTF_KIND_DECL_TAG:
      case BTF_KIND_TYPE_TAG:
        if (t.size_or_type >= count) return bad_ref(id, t.size_or_type);
        break;
      case BTF_KIND_ARRAY:
        if (load_u32(x) >= count) return bad_ref(id, load_u32(x));
        if (load_u32(x + 4) >= count) return bad_ref(id, load_u32(x + 4));
        break;
      default:
        break;
    }
    for (uint32_t i = 0; i < t.vlen(); ++i) {
      switch (t.kind()) {
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: {
          const uint8_t* m = x + i * sizeof(btf_member);
          if (load_u32(m) >= impl_->strings_len) return bad_name(id, load_u32(m));
          if (load_u32(m + 4) >= count) return bad_ref(id, load_u32(m + 4));
          break;
        }
        case BTF_KIND_ENUM:
          if (load_u32(x + i * sizeof(btf_enum)) >= impl_->strings_len) {
            return bad_name(id, load_u32(x + i * sizeof(btf_enum)));
          }
          break;
        case BTF_KIND_ENUM64:
          if (load_u32(x + i * sizeof(btf_enum64)) >= impl_->strings_len) {
            return bad_name(id, load_u32(x + i * sizeof(btf_enum64)));
          }
          break;
        case BTF_KIND_FUNC_PROTO: {
          const uint8_t* p = x + i * sizeof(btf_param);
          if (load_u32(p) >= impl_->strings_len) return bad_name(id, load_u32(p));
          if (load_u32(p + 4) >= count) return bad_ref(id, load_u32(p + 4));
          break;
        }
        case BTF_KIND_DATASEC:
          if (load_u32(x + i * sizeof(btf_var_secinfo)) >= count) {
            return bad_ref(id, load_u32(x + i * sizeof(btf_var_secinfo)));
          }
          break;
        default:
          break;
      }
    }
  }
  return {};
}

uint32_t Btf::type_count() const { return impl_->type_count(); }

std::string_view Btf::raw() const {
  return {reinterpret_cast<const char*>(impl_->data), impl_->size};
}

Type Btf::type(uint32_t id) const {
  Type out;
  out.id = id;
  if (id == 0) return out;
  if (!impl_->valid_id(id)) {
    out.kind = TypeKind::kUnknown;
    return out;
  }
  RawType t = impl_->raw(id);
  out.kind = to_type_kind(t.kind());
  out.name = impl_->str(t.name_off);
  out.vlen = t.vlen();
  out.kind_flag = t.kind_flag();
  switch (t.kind()) {
    case BTF_KIND_INT: {
      uint32_t enc = load_u32(t.extra);
      out.size = t.size_or_type;
      out.is_signed = (BTF_INT_ENCODING(enc) & BTF_INT_SIGNED) != 0;
      out.is_char = (BTF_INT_ENCODING(enc) & BTF_INT_CHAR) != 0;
      out.is_bool = (BTF_INT_ENCODING(enc) & BTF_INT_BOOL) != 0;
      out.int_bits = BTF_INT_BITS(enc);
      out.int_offset = BTF_INT_OFFSET(enc);
      break;
    }
    case BTF_KIND_ARRAY:
      out.ref = load_u32(t.extra);
      out.nelems = load_u32(t.extra + 8);
      out.size = size_of(id);
      break;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      out.size = t.size_or_type;
      out.is_signed = t.kind_flag();
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_FLOAT:
    case BTF_KIND_DATASEC:
      out.size = t.size_or_type;
      break;
    case BTF_KIND_FWD:
      break;
    default:  // the kinds whose third word is a type id
      out.ref = t.size_or_type;
      break;
  }
  return out;
}

uint32_t Btf::size_of(uint32_t id) const {
  uint64_t multiplier = 1;
  for (int depth = 0; depth < kMaxResolveDepth; ++depth) {
    if (!impl_->valid_id(id)) return 0;
    RawType t = impl_->raw(id);
    switch (t.kind()) {
      case BTF_KIND_INT:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FLOAT:
      case BTF_KIND_DATASEC: {
        uint64_t size = multiplier * t.size_or_type;
        return size > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(size);
      }
      case BTF_KIND_PTR:
        return static_cast<uint32_t>(multiplier * 8 > UINT32_MAX ? UINT32_MAX : multiplier * 8);
      case BTF_KIND_ARRAY:
        multiplier *= load_u32(t.extra + 8);
        if (multiplier == 0) return 0;
        if (multiplier > UINT32_MAX) return UINT32_MAX;
        id = load_u32(t.extra);
        break;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
        id = t.size_or_type;
        break;
      default:
        return 0;
    }
  }
  return 0;
}

std::vector<Member> Btf::members(uint32_t struct_id) const {
  std::vector<Member> out;
  if (!impl_->valid_id(struct_id)) return out;
  RawType t = impl_->raw(struct_id);
  if (t.kind() != BTF_KIND_STRUCT && t.kind() != BTF_KIND_UNION) return out;
  out.reserve(t.vlen());
  for (uint32_t i = 0; i < t.vlen(); ++i) {
    const uint8_t* m = t.extra + i * sizeof(btf_member);
    Member member;
    member.name = impl_->str(load_u32(m));
    member.type = load_u32(m + 4);
    uint32_t offset = load_u32(m + 8);
    if (t.kind_flag()) {
      member.bit_offset = BTF_MEMBER_BIT_OFFSET(offset);
      member.bitfield_size = BTF_MEMBER_BITFIELD_SIZE(offset);
    } else {
      member.bit_offset = offset;
    }
    out.push_back(member);
  }
  return out;
}

std::vector<Param> Btf::params(uint32_t func_proto_id) const {
  std::vector<Param> out;
  if (!impl_->valid_id(func_proto_id)) return out;
  RawType t = impl_->raw(func_proto_id);
  if (t.kind() == BTF_KIND_FUNC) {
    if (!impl_->valid_id(t.size_or_type)) return out;
    t = impl_->raw(t.size_or_type);
  }
  if (t.kind() != BTF_KIND_FUNC_PROTO) return out;
  out.reserve(t.vlen());
  for (uint32_t i = 0; i < t.vlen(); ++i) {
    const uint8_t* p = t.extra + i * sizeof(btf_param);
    out.push_back(Param{impl_->str(load_u32(p)), load_u32(p + 4)});
  }
  return out;
}

std::vector<EnumValue> Btf::enum_values(uint32_t enum_id) const {
  std::vector<EnumValue> out;
  if (!impl_->valid_id(enum_id)) return out;
  RawType t = impl_->raw(enum_id);
  if (t.kind() == BTF_KIND_ENUM) {
    out.reserve(t.vlen());
    for (uint32_t i = 0; i < t.vlen(); ++i) {
      const uint8_t* e = t.extra + i * sizeof(btf_enum);
      uint32_t bits = load_u32(e + 4);
      int64_t value = t.kind_flag() ? int64_t{static_cast<int32_t>(bits)} : int64_t{bits};
      out.push_back(EnumValue{impl_->str(load_u32(e)), value});
    }
  } else if (t.kind() == BTF_KIND_ENUM64) {
    out.reserve(t.vlen());
    for (uint32_t i = 0; i < t.vlen(); ++i) {
      const uint8_t* e = t.extra + i * sizeof(btf_enum64);
      uint64_t bits = (uint64_t{load_u32(e + 8)} << 32) | load_u32(e + 4);
      out.push_back(EnumValue{impl_->str(load_u32(e)), static_cast<int64_t>(bits)});
    }
  }
  return out;
}

}  // namespace sonde::kernel
