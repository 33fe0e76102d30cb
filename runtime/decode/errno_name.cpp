#include "runtime/decode/errno_name.h"

#include <string.h>

#include <fmt/format.h>

namespace sonde::decode {
namespace {

const char* known_name(int64_t value) {
  if (value == 0 || value < -4095 || value > 4095) return nullptr;  // MAX_ERRNO
  return strerrorname_np(static_cast<int>(value < 0 ? -value : value));
}

}  // namespace

std::string errno_name(int64_t value) {
  const char* name = known_name(value);
  return name ? std::string(name) : fmt::format("{}", value);
}

bool decode_errno(Bytes bytes, std::string& out) {
  auto v = read_signed(bytes);
  if (!v) {
    out = hex_fallback(bytes);
    return false;
  }
  const char* name = known_name(*v);
  if (name) {
    out = name;
    return true;
  }
  out = fmt::format("{}", *v);
  return *v == 0;  // success is a value, not a failure to decode
}

}  // namespace sonde::decode
