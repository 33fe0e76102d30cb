#include "format/btf_records.h"

#include <fmt/format.h>
#include <linux/btf.h>

#include <array>
#include <cstring>

namespace sonde::format {
namespace {

// Trailing bytes per kind: fixed + per_item * vlen; fixed < 0 marks an unknown kind.
// A table, not a switch: the compiler's index pass runs this for 127k records of
// unpredictable kinds, and a mispredicted jump per record doubled its time.
struct KindLayout {
  int8_t fixed;
  uint8_t per_item;
};
constexpr std::array<KindLayout, 32> kKindLayouts = [] {
  std::array<KindLayout, 32> t{};
  for (KindLayout& k : t) k = {-1, 0};
  t[BTF_KIND_INT] = {4, 0};
  t[BTF_KIND_PTR] = {0, 0};
  t[BTF_KIND_ARRAY] = {sizeof(btf_array), 0};
  t[BTF_KIND_STRUCT] = {0, sizeof(btf_member)};
  t[BTF_KIND_UNION] = {0, sizeof(btf_member)};
  t[BTF_KIND_ENUM] = {0, sizeof(btf_enum)};
  t[BTF_KIND_FWD] = {0, 0};
  t[BTF_KIND_TYPEDEF] = {0, 0};
  t[BTF_KIND_VOLATILE] = {0, 0};
  t[BTF_KIND_CONST] = {0, 0};
  t[BTF_KIND_RESTRICT] = {0, 0};
  t[BTF_KIND_FUNC] = {0, 0};  // vlen holds the linkage
  t[BTF_KIND_FUNC_PROTO] = {0, sizeof(btf_param)};
  t[BTF_KIND_VAR] = {sizeof(btf_var), 0};
  t[BTF_KIND_DATASEC] = {0, sizeof(btf_var_secinfo)};
  t[BTF_KIND_FLOAT] = {0, 0};
  t[BTF_KIND_DECL_TAG] = {sizeof(btf_decl_tag), 0};
  t[BTF_KIND_TYPE_TAG] = {0, 0};
  t[BTF_KIND_ENUM64] = {0, sizeof(btf_enum64)};
  return t;
}();

Error corrupt(std::string what) { return Error{fmt::format("corrupt BTF: {}", what), ""}; }

Error corrupt_ext(std::string what) { return Error{fmt::format("corrupt .BTF.ext: {}", what), ""}; }

uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

// The .BTF.ext header (libbpf's struct btf_ext_header): magic, version and flags, then
// offsets and lengths of the sections after it; the CO-RE pair is optional.
constexpr size_t kExtHeaderWithoutCore = 24;
constexpr size_t kExtHeaderWithCore = 32;
constexpr uint32_t kCoreRecordMinSize = 16;  // struct bpf_core_relo

}  // namespace

int64_t btf_trailing_bytes(uint32_t kind, uint32_t vlen) {
  KindLayout k = kKindLayouts[kind & 31];
  return k.fixed < 0 ? -1 : k.fixed + int64_t{k.per_item} * vlen;
}

Result<BtfSections> btf_sections(std::span<const uint8_t> data) {
  if (data.size() < sizeof(btf_header)) {
    return corrupt(fmt::format("{} bytes is shorter than the BTF header", data.size()));
  }
  btf_header h;
  std::memcpy(&h, data.data(), sizeof h);
  if (h.magic != BTF_MAGIC) {
    bool swapped = h.magic == ((BTF_MAGIC >> 8) | ((BTF_MAGIC & 0xff) << 8));
    return Error{fmt::format("not BTF: magic {:#06x}", h.magic),
                 swapped ? "the data is big-endian BTF; only native little-endian is read" : ""};
  }
  if (h.version != BTF_VERSION) return corrupt(fmt::format("unsupported version {}", h.version));
  if (h.hdr_len < sizeof(btf_header) || h.hdr_len > data.size()) {
    return corrupt(fmt::format("header length {} in {} bytes", h.hdr_len, data.size()));
  }
  uint64_t body = data.size() - h.hdr_len;
  if (uint64_t{h.type_off} + h.type_len > body || uint64_t{h.str_off} + h.str_len > body) {
    return corrupt(
        fmt::format("sections (types {}+{}, strings {}+{}) exceed the {} bytes after "
                    "the header",
                    h.type_off, h.type_len, h.str_off, h.str_len, body));
  }
  if (h.type_off % 4 != 0) return corrupt("type section is not 4-byte aligned");
  if (h.str_len == 0) return corrupt("empty string section");
  BtfSections out;
  out.types = data.subspan(h.hdr_len + h.type_off, h.type_len);
  out.strings = std::string_view(reinterpret_cast<const char*>(data.data()) + h.hdr_len + h.str_off,
                                 h.str_len);
  if (out.strings.front() != '\0' || out.strings.back() != '\0') {
    return corrupt("string section does not start and end with NUL");
  }
  return out;
}

Result<std::vector<BtfCoreRelocation>> btf_ext_core_relocations(std::span<const uint8_t> ext) {
  if (ext.size() < 8)
    return corrupt_ext(fmt::format("{} bytes is shorter than its header", ext.size()));
  uint16_t magic;
  std::memcpy(&magic, ext.data(), sizeof magic);
  if (magic != BTF_MAGIC) return corrupt_ext(fmt::format("magic {:#06x}", magic));
  if (ext[2] != BTF_VERSION) return corrupt_ext(fmt::format("unsupported version {}", ext[2]));
  if (ext[3] != 0) return corrupt_ext(fmt::format("unsupported flags {:#x}", ext[3]));
  const uint32_t hdr_len = u32_at(ext, 4);
  if (hdr_len < kExtHeaderWithoutCore || hdr_len > ext.size())
    return corrupt_ext(fmt::format("header length {} in {} bytes", hdr_len, ext.size()));
  std::vector<BtfCoreRelocation> out;
  if (hdr_len < kExtHeaderWithCore) return out;
  const uint32_t off = u32_at(ext, 24);
  const uint32_t len = u32_at(ext, 28);
  if (len == 0) return out;
  if (off % 4 != 0) return corrupt_ext("CO-RE section is not 4-byte aligned");
  if (uint64_t{hdr_len} + off + len > ext.size())
    return corrupt_ext(fmt::format("CO-RE section ({}+{}) past the {} bytes after the header", off,
                                   len, ext.size() - hdr_len));
  std::span<const uint8_t> core = ext.subspan(hdr_len + off, len);
  if (core.size() < 4) return corrupt_ext("CO-RE section without a record size");
  const uint32_t record_size = u32_at(core, 0);
  if (record_size < kCoreRecordMinSize || record_size % 4 != 0)
    return corrupt_ext(fmt::format("CO-RE record size {}", record_size));
  size_t at = 4;
  while (at < core.size()) {
    // Per ELF section: its name, the number of records, the records.
    if (core.size() - at < 8) return corrupt_ext("truncated CO-RE section header");
    const uint32_t records = u32_at(core, at + 4);
    at += 8;
    if (records == 0) return corrupt_ext("a CO-RE section with no records");
    if (uint64_t{records} * record_size > core.size() - at)
      return corrupt_ext(
          fmt::format("{} CO-RE records of {} bytes past the section's end", records, record_size));
    for (uint32_t i = 0; i < records; ++i, at += record_size) {
      // insn_off, type_id, access_str_off, kind
      out.push_back({u32_at(core, at + 4), u32_at(core, at + 12)});
    }
  }
  return out;
}

}  // namespace sonde::format
