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

// Names the code at `addr` for a frame: `lookup` is the address to find the function
// by, `addr` what to show when none is found.
using Symbolizer = std::function<std::string(uint64_t addr, uint64_t lookup)>;

// Frames as BPF stack maps hold them (leaf first, zero-padded) -> "root;...;leaf".
// Every frame but the leaf is a return address: the instruction after a call, which
// lies in the next function when the call was the caller's last instruction (a call
// to a noreturn function). Those are looked up one byte back, inside the call, as
// debuggers and unwinders do; the leaf is where the event happened and is exact.
std::string fold_frames(std::span<const uint64_t> frames, const Symbolizer& symbolize);

// `bytes` is the stack id (u32 or u64) that bpf_get_stackid returned. EFAULT means the
// event had no frames of that kind (a profile sample in user space has no kernel stack)
// and reads `no_stack`; another negative value is an error ("[stack error: EEXIST]"), a
// missing id reads "[stack 7 missing]"; both return false.
bool decode_stack(Bytes bytes, const std::string& map, const StackReader& reader,
                  const Symbolizer& symbolize, std::string_view no_stack, std::string& out);

}  // namespace sonde::decode
