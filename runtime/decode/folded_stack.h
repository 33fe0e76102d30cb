// Stack ids in map keys -> folded stacks ("root;caller;leaf"), the flame-graph format.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "runtime/decode/bytes.h"
#include "runtime/decode/decoder.h"

namespace sonde::decode {

using Symbolizer = std::function<std::string(uint64_t addr)>;

// Frames as BPF stack maps hold them (leaf first, zero-padded) -> "root;...;leaf".
std::string fold_frames(std::span<const uint64_t> frames, const Symbolizer& symbolize);

// `bytes` is the stack id (u32 or u64) that bpf_get_stackid returned. EFAULT means the
// event had no frames of that kind (a profile sample in user space has no kernel stack)
// and reads `no_stack`; another negative value is an error ("[stack error: EEXIST]"), a
// missing id reads "[stack 7 missing]"; both return false.
bool decode_stack(Bytes bytes, const std::string& map, const StackReader& reader,
                  const Symbolizer& symbolize, std::string_view no_stack, std::string& out);

}  // namespace sonde::decode
