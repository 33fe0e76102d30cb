// What a compiling child and its parent send each other over their socket: the parent
// the compile's input, then EOF; the child one frame, then EOF.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/clang/compile.h"

namespace sonde::clang_bpf {

enum class FrameKind : uint32_t {
  object = 1,            // object bytes, text = warnings
  compile_error = 2,     // text = clang's rendered errors
  plugin_error = 3,      // text = why the plugin could not be loaded or called
  llvm_fatal_error = 4,  // text = the reason given to LLVM's report_fatal_error
};

struct Frame {
  FrameKind kind = FrameKind::plugin_error;
  std::vector<uint8_t> object;
  std::string text;
};

// Writes the whole frame, retrying short writes; false if the pipe broke.
bool write_frame(int fd, FrameKind kind, std::span<const uint8_t> object, std::string_view text);

// The frame, if `bytes` is exactly one complete, well-formed frame.
std::optional<Frame> decode_frame(std::span<const uint8_t> bytes);

// A CompileInput as bytes, and back (nullopt unless `bytes` is exactly one input).
std::vector<uint8_t> encode_input(const CompileInput& input);
std::optional<CompileInput> decode_input(std::span<const uint8_t> bytes);

}  // namespace sonde::clang_bpf
