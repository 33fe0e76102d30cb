#include "support/file_bytes.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/unique_fd.h"

namespace sonde {
namespace {

// Reads `fd` to its end into `out` (bytes or chars).
template <typename Out>
Status read_all(int fd, const std::string& path, size_t max_bytes, Out& out) {
  struct stat st {};
  // Sized up front: sysfs files (the kernel's BTF) report their size too.
  if (fstat(fd, &st) == 0 && st.st_size > 0 && static_cast<uint64_t>(st.st_size) <= max_bytes) {
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
    if (n == 0) return {};
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Error{fmt::format("{}: larger than {} bytes", path, max_bytes),
                   "sonde reads programs and bundles of bounded size only"};
    }
    out.insert(out.end(), buffer, buffer + n);
  }
}

// Opens a file a user named without blocking (a FIFO would wait for a writer) and
// checks it is a regular file.
Result<UniqueFd> open_user_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
  struct stat st {};
  if (fstat(fd.get(), &st) != 0)
    return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
  if (S_ISDIR(st.st_mode)) return Error{fmt::format("cannot read {}: it is a directory", path), ""};
  if (!S_ISREG(st.st_mode)) {
    return Error{fmt::format("cannot read {}: not a regular file", path),
                 "programs and bundles are read from regular files only"};
  }
  // Reads block from here on, as for any regular file.
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags >= 0) fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
  std::vector<uint8_t> out;
  if (auto st = read_all(fd.get(), path, max_bytes, out); !st) return st.error();
  return out;
}

Result<std::vector<uint8_t>> read_user_file_bytes(const std::string& path, size_t max_bytes) {
  auto fd = open_user_file(path);
  if (!fd) return fd.error();
  std::vector<uint8_t> out;
  if (auto st = read_all(fd->get(), path, max_bytes, out); !st) return st.error();
  return out;
}

Result<std::string> read_user_file(const std::string& path, size_t max_bytes) {
  auto fd = open_user_file(path);
  if (!fd) return fd.error();
  std::string out;
  if (auto st = read_all(fd->get(), path, max_bytes, out); !st) return st.error();
  return out;
}

}  // namespace sonde
