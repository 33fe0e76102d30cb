// Block devices: kernel dev_t -> device name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// The kernel's internal encoding (MAJOR = dev >> 20, MINOR = dev & 0xfffff), which
// differs from glibc's dev_t.
inline constexpr uint32_t kernel_dev(uint32_t major, uint32_t minor) {
  return major << 20 | (minor & 0xfffff);
}

// DEVNAME from <sys_root>/dev/block/MAJ:MIN/uevent ("vda", "nvme0n1p1").
std::optional<std::string> disk_name(uint32_t major, uint32_t minor,
                                     const std::string& sys_root = "/sys");

// A u32 or u64 holding a kernel dev_t: its name, or "MAJ:MIN" (and false) when sysfs
// does not know it.
bool decode_disk(Bytes bytes, std::string& out);

}  // namespace sonde::decode
