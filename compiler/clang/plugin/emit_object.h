// The compile itself, inside the plugin: cc1 arguments -> BPF ELF bytes, in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/clang/plugin_abi.h"

namespace sonde::clang_bpf::plugin {

struct EmitResult {
  sonde_cc_status status = SONDE_CC_INTERNAL_ERROR;
  std::vector<uint8_t> object;
  std::string diagnostics;  // rendered clang-style, without colors
};

// Expects the BPF target to be initialized. Reads nothing from the real filesystem.
EmitResult emit_object(const sonde_cc_input& input);

}  // namespace sonde::clang_bpf::plugin
