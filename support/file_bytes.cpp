#include "support/file_bytes.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sonde {

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
  std::vector<uint8_t> out;
  struct stat st {};
  // Sized up front: sysfs files (the kernel's BTF) report their size too.
  if (fstat(fd, &st) == 0 && st.st_size > 0 && static_cast<uint64_t>(st.st_size) <= max_bytes) {
    out.reserve(static_cast<size_t>(st.st_size));
  }
  uint8_t buffer[1 << 16];
  int err = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return Error{fmt::format("{}: larger than {} bytes", path, max_bytes), ""};
    }
    out.insert(out.end(), buffer, buffer + n);
  }
  ::close(fd);
  if (err != 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(err)), ""};
  return out;
}

}  // namespace sonde
