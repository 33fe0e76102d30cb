#include "runtime/decode/syscall.h"

#include <fmt/format.h>

namespace sonde::decode {

bool decode_syscall(Bytes bytes, std::string& out) {
  auto v = read_signed(bytes);
  if (!v) {
    out = hex_fallback(bytes);
    return false;
  }
  const char* name = *v >= 0 ? syscall_table_name(static_cast<uint64_t>(*v)) : nullptr;
  if (!name) {
    out = fmt::format("syscall_{}", *v);
    return false;
  }
  out = name;
  return true;
}

}  // namespace sonde::decode
