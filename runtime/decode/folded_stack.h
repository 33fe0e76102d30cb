// Stack ids in map keys -> folded stacks ("root;caller;leaf"), the flame-graph format.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "runtime/decode/bytes.h"
#include "runtime/decode/decoder.h"

namespace sonde::decode {

using Symbolizer = std::function<std::string(uint64_t addr)>;

// Frames as BPF stack maps hold them (leaf first, zero-padded) -> "root;...;leaf".
std::string fold_frames(std::span<const uint64_t> frames, const Symbolizer& symbolize);

// `bytes` is the stack id (u32 or u64) that bpf_get_stackid returned: a negative value is
// its error ("[stack error: EFAULT]"), a missing id reads "[stack 7 missing]"; both
// return false.
bool decode_stack(Bytes bytes, const std::string& map, const StackReader& reader,
                  const Symbolizer& symbolize, std::string& out);

}  // namespace sonde::decode
