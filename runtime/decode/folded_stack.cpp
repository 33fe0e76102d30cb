#include "runtime/decode/folded_stack.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "runtime/decode/errno_name.h"

namespace sonde::decode {

std::string fold_frames(std::span<const uint64_t> frames, const Symbolizer& symbolize) {
  size_t depth = 0;
  while (depth < frames.size() && frames[depth] != 0) ++depth;
  std::string out;
  for (size_t i = depth; i-- > 0;) {
    if (i + 1 != depth) out += ';';
    out += symbolize(frames[i], i == 0 ? frames[i] : frames[i] - 1);
  }
  return out;
}

bool decode_stack(Bytes bytes, const std::string& map, const StackReader& reader,
                  const Symbolizer& symbolize, std::string_view no_stack, std::string& out) {
  auto id = read_signed(bytes);
  if (!id || bytes.size() < 4) {
    out = hex_fallback(bytes);
    return false;
  }
  if (*id == -EFAULT) {
    out = no_stack;
    return true;
  }
  if (*id < 0) {
    out = fmt::format("[stack error: {}]", errno_name(*id));
    return false;
  }
  std::vector<uint64_t> frames;
  if (!reader || *id > UINT32_MAX || !reader(map, static_cast<uint32_t>(*id), frames)) {
    out = fmt::format("[stack {} missing]", *id);
    return false;
  }
  out = fold_frames(frames, symbolize);
  if (out.empty()) out = "[empty stack]";
  return true;
}

}  // namespace sonde::decode
