#include "runtime/btf/raw_btf.h"

#include <fmt/format.h>
#include <linux/btf.h>

#include "format/btf_records.h"

#include <cstring>

namespace sonde::btf {
namespace {

uint32_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // records need not be aligned
  return v;
}

}  // namespace

bool named_root_kind(uint32_t kind) {
  return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
         kind == BTF_KIND_ENUM64 || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FWD;
}

Result<RawBtf> RawBtf::parse(std::span<const uint8_t> data) {
  auto sections = format::btf_sections(data);
  if (!sections) return sections.error();
  RawBtf b;
  b.types_ = sections->types;
  b.strings_ = sections->strings;
  const uint8_t* types = b.types_.data();
  const size_t len = b.types_.size();
  b.checkpoints_.reserve(len / format::kBtfTypeHeaderSize / kStride + 2);
  uint32_t id = 1;
  size_t off = 0;
  while (off < len) {
    if (len - off < format::kBtfTypeHeaderSize) return Error{"BTF: truncated type record", ""};
    if (id % kStride == 0 || id == 1) b.checkpoints_.push_back(static_cast<uint32_t>(off));
    const uint32_t name_off = u32_at(types + off);
    const uint32_t info = u32_at(types + off + 4);
    const uint32_t kind = BTF_INFO_KIND(info);
    int64_t extra = format::btf_trailing_bytes(kind, BTF_INFO_VLEN(info));
    if (extra < 0) return Error{fmt::format("BTF: type {} has unknown kind {}", id, kind), ""};
    if (static_cast<uint64_t>(extra) > len - off - format::kBtfTypeHeaderSize)
      return Error{"BTF: truncated type record", ""};
    if (name_off != 0 && named_root_kind(kind))
      b.roots_.push_back({id, static_cast<uint32_t>(off)});
    off += format::kBtfTypeHeaderSize + static_cast<size_t>(extra);
    if (++id > BTF_MAX_TYPE) return Error{"BTF: more types than BTF ids can number", ""};
  }
  b.count_ = id;
  return b;
}

TypeRecord RawBtf::at(size_t off) const {
  const uint8_t* p = types_.data() + off;
  const uint32_t info = u32_at(p + 4);
  auto extra =
      static_cast<size_t>(format::btf_trailing_bytes(BTF_INFO_KIND(info), BTF_INFO_VLEN(info)));
  return TypeRecord{u32_at(p), info, u32_at(p + 8),
                    types_.subspan(off + format::kBtfTypeHeaderSize, extra)};
}

TypeRecord RawBtf::type(uint32_t id) const {
  // parse() checked every record: stepping from the checkpoint stays in bounds.
  uint32_t from = id / kStride == 0 ? 1 : id / kStride * kStride;
  size_t off = checkpoints_[id / kStride];
  for (; from < id; ++from) {
    const uint32_t info = u32_at(types_.data() + off + 4);
    off += format::kBtfTypeHeaderSize + static_cast<size_t>(format::btf_trailing_bytes(
                                            BTF_INFO_KIND(info), BTF_INFO_VLEN(info)));
  }
  return at(off);
}

std::string_view RawBtf::name(uint32_t name_off) const {
  if (name_off >= strings_.size()) return {};
  std::string_view rest = strings_.substr(name_off);
  return rest.substr(0, rest.find('\0'));
}

}  // namespace sonde::btf
