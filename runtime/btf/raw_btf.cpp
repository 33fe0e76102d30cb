#include "runtime/btf/raw_btf.h"

#include <fmt/format.h>
#include <linux/btf.h>

#include "format/btf_records.h"

#include <cstring>

namespace sonde::btf {
namespace {

template <typename T>
T load(std::span<const uint8_t> bytes, size_t offset) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof v);  // records need not be aligned
  return v;
}

}  // namespace

Result<RawBtf> RawBtf::parse(std::span<const uint8_t> data) {
  auto sections = format::btf_sections(data);
  if (!sections) return sections.error();
  RawBtf b;
  b.types_ = sections->types;
  b.strings_ = sections->strings;
  b.offsets_.push_back(0);  // void
  size_t off = 0;
  while (off < b.types_.size()) {
    if (b.types_.size() - off < sizeof(btf_type)) return Error{"BTF: truncated type record", ""};
    auto t = load<btf_type>(b.types_, off);
    int64_t extra = format::btf_trailing_bytes(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
    if (extra < 0)
      return Error{
          fmt::format("BTF: type {} has unknown kind {}", b.count(), BTF_INFO_KIND(t.info)), ""};
    if (off + sizeof(btf_type) + static_cast<uint64_t>(extra) > b.types_.size()) {
      return Error{"BTF: truncated type record", ""};
    }
    b.offsets_.push_back(static_cast<uint32_t>(off));
    off += sizeof(btf_type) + static_cast<size_t>(extra);
  }
  return b;
}

TypeRecord RawBtf::type(uint32_t id) const {
  size_t off = offsets_[id];
  auto t = load<btf_type>(types_, off);
  auto extra =
      static_cast<size_t>(format::btf_trailing_bytes(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info)));
  return TypeRecord{t.name_off, t.info, t.size, types_.subspan(off + sizeof(btf_type), extra)};
}

std::string_view RawBtf::name(uint32_t name_off) const {
  if (name_off >= strings_.size()) return {};
  std::string_view rest = strings_.substr(name_off);
  return rest.substr(0, rest.find('\0'));
}

}  // namespace sonde::btf
