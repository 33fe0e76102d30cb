#include "runtime/bpf/errno_text.h"

#include <fmt/format.h>
#include <cstring>

namespace sonde::bpf {

std::string errno_text(int err) {
  if (err < 0) err = -err;
  // 524 is the kernel-internal ENOTSUPP, which leaks out of bpf(2) and has no libc text.
  if (err == 524) return "Operation not supported by this kernel";
  const char* text = strerrordesc_np(err);
  return text ? text : fmt::format("error {}", err);
}

}  // namespace sonde::bpf
