#include "runtime/decode/disk.h"

#include <fmt/format.h>

#include "support/text.h"

namespace sonde::decode {

std::optional<std::string> disk_name(uint32_t major, uint32_t minor, const std::string& sys_root) {
  std::string uevent;
  if (!read_file(fmt::format("{}/dev/block/{}:{}/uevent", sys_root, major, minor), uevent)) {
    return std::nullopt;
  }
  for (std::string_view line : split(uevent, '\n')) {
    if (starts_with(line, "DEVNAME=") && line.size() > 8) return std::string(line.substr(8));
  }
  return std::nullopt;
}

bool decode_disk(Bytes bytes, std::string& out) {
  auto v = read_unsigned(bytes);
  if (!v || (bytes.size() != 4 && bytes.size() != 8) || *v > UINT32_MAX) {
    out = v ? fmt::format("{}", *v) : hex_fallback(bytes);
    return false;
  }
  uint32_t major = static_cast<uint32_t>(*v >> 20);
  uint32_t minor = static_cast<uint32_t>(*v & 0xfffff);
  if (auto name = disk_name(major, minor)) {
    out = std::move(*name);
    return true;
  }
  out = fmt::format("{}:{}", major, minor);
  return false;
}

}  // namespace sonde::decode
