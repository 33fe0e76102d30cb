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

// Input: a count of each kind, then every string as a u64 length and its bytes.
constexpr uint32_t kInputMagic = 0x49436f53;  // "SoCI"

struct InputHeader {
  uint32_t magic;
  uint32_t files;
  uint32_t include_dirs;
  uint32_t defines;
};

void put(std::vector<uint8_t>& out, std::string_view text) {
  uint64_t size = text.size();
  const auto* p = reinterpret_cast<const uint8_t*>(&size);
  out.insert(out.end(), p, p + sizeof size);
  out.insert(out.end(), text.begin(), text.end());
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool get(void* out, size_t size) {
    if (size > bytes_.size()) return false;
    std::memcpy(out, bytes_.data(), size);
    bytes_ = bytes_.subspan(size);
    return true;
  }
  bool get(std::string& out) {
    uint64_t size;
    if (!get(&size, sizeof size) || size > bytes_.size()) return false;
    out.assign(reinterpret_cast<const char*>(bytes_.data()), size);
    bytes_ = bytes_.subspan(size);
    return true;
  }
  bool done() const { return bytes_.empty(); }

 private:
  std::span<const uint8_t> bytes_;
};

}  // namespace

std::vector<uint8_t> encode_input(const CompileInput& input) {
  InputHeader header{kInputMagic, static_cast<uint32_t>(input.files.size()),
                     static_cast<uint32_t>(input.include_dirs.size()),
                     static_cast<uint32_t>(input.defines.size())};
  std::vector<uint8_t> out(reinterpret_cast<const uint8_t*>(&header),
                           reinterpret_cast<const uint8_t*>(&header) + sizeof header);
  put(out, input.main_file);
  for (const auto& [path, text] : input.files) {
    put(out, path);
    put(out, text);
  }
  for (const auto& dir : input.include_dirs) put(out, dir);
  for (const auto& define : input.defines) put(out, define);
  return out;
}

std::optional<CompileInput> decode_input(std::span<const uint8_t> bytes) {
  Reader in(bytes);
  InputHeader header;
  CompileInput input;
  if (!in.get(&header, sizeof header) || header.magic != kInputMagic || !in.get(input.main_file)) {
    return std::nullopt;
  }
  for (uint32_t i = 0; i < header.files; ++i) {
    std::string path, text;
    if (!in.get(path) || !in.get(text)) return std::nullopt;
    input.files[path] = std::move(text);
  }
  if (header.include_dirs > bytes.size() || header.defines > bytes.size()) return std::nullopt;
  input.include_dirs.resize(header.include_dirs);
  for (auto& dir : input.include_dirs) {
    if (!in.get(dir)) return std::nullopt;
  }
  input.defines.resize(header.defines);
  for (auto& define : input.defines) {
    if (!in.get(define)) return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  return input;
}

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
