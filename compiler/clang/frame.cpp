#include "compiler/clang/frame.h"

#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace sonde::clang_bpf {
namespace {

constexpr uint32_t kMagic = 0x43436f53;  // "SoCC"

struct Header {
  uint32_t magic;
  uint32_t kind;
  uint64_t object_size;
  uint64_t text_size;
};

bool valid_kind(uint32_t kind) {
  return kind >= static_cast<uint32_t>(FrameKind::object) &&
         kind <= static_cast<uint32_t>(FrameKind::llvm_fatal_error);
}

}  // namespace

bool write_frame(int fd, FrameKind kind, std::span<const uint8_t> object, std::string_view text) {
  Header header{kMagic, static_cast<uint32_t>(kind), object.size(), text.size()};
  iovec parts[3] = {
      {&header, sizeof header},
      {const_cast<uint8_t*>(object.data()), object.size()},
      {const_cast<char*>(text.data()), text.size()},
  };
  iovec* next = parts;
  int left = 3;
  while (left > 0) {
    ssize_t written = ::writev(fd, next, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto remaining = static_cast<size_t>(written);
    while (left > 0 && remaining >= next->iov_len) {
      remaining -= next->iov_len;
      ++next;
      --left;
    }
    if (left > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + remaining;
      next->iov_len -= remaining;
    }
  }
  return true;
}

std::optional<Frame> decode_frame(std::span<const uint8_t> bytes) {
  Header header;
  if (bytes.size() < sizeof header) return std::nullopt;
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.magic != kMagic || !valid_kind(header.kind)) return std::nullopt;
  auto body = bytes.subspan(sizeof header);
  if (header.object_size > body.size() || header.text_size != body.size() - header.object_size) {
    return std::nullopt;
  }
  Frame frame;
  frame.kind = static_cast<FrameKind>(header.kind);
  frame.object.assign(body.begin(), body.begin() + static_cast<ptrdiff_t>(header.object_size));
  auto text = body.subspan(header.object_size);
  frame.text.assign(text.begin(), text.end());
  return frame;
}

}  // namespace sonde::clang_bpf
