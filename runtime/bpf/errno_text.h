// errno values in words, for the fallback branches of error messages.
#pragma once

#include <string>

namespace sonde::bpf {

// "No such file or directory"; accepts libbpf's negative errors too.
std::string errno_text(int err);

}  // namespace sonde::bpf
