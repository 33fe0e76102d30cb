// tracefs on the running system: where it is mounted, event listings, format files.
#include "compiler/kernel/tracefs.h"
#include "compiler/kernel/tracefs_mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

namespace sonde::kernel {
namespace {

constexpr const char* kDefaultMount = "/sys/kernel/tracing";

// /proc/mounts escapes spaces and the like as octal: "\040".
std::string unescape_mount_path(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto octal = [&](size_t j) { return j < s.size() && s[j] >= '0' && s[j] <= '7'; };
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      out += static_cast<char>(v);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The tracefs mount points listed in /proc/mounts.
std::vector<std::string> tracefs_mounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/mounts");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, dir, type;
    if (fields >> device >> dir >> type && type == "tracefs") {
      out.push_back(unescape_mount_path(dir));
    }
  }
  return out;
}

// Names from user programs become paths: refuse anything that could leave events/.
Status check_component(std::string_view what, std::string_view s) {
  if (s.empty() || s == "." || s == ".." || s.find('/') != std::string_view::npos ||
      s.find('\0') != std::string_view::npos) {
    return Error{fmt::format("invalid tracepoint {} '{}'", what, s), ""};
  }
  return {};
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// Names of the subdirectories of an open directory.
std::vector<std::string> subdirectories(DIR* d) {
  std::vector<std::string> out;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) out.emplace_back(name);
  }
  return out;
}

Result<DirPtr> open_events_dir(const std::string& root) {
  std::string path = root + "/events";
  DirPtr d(opendir(path.c_str()));
  if (!d) {
    const int err = errno;
    // tracefs is root's alone on most systems (mode 0700): say so, not just EACCES.
    std::string hint =
        err == EACCES || err == EPERM
            ? "the kernel's tracepoints are read from tracefs, which only root may read "
              "here: run sonde as root (sudo), or grant the directory to this user"
            : "";
    return Error{fmt::format("cannot list {}: {}", path, std::strerror(err)), hint};
  }
  return d;
}

}  // namespace

Result<std::string> find_or_mount_tracefs() {
  std::vector<std::string> mounts = tracefs_mounts();
  if (std::find(mounts.begin(), mounts.end(), kDefaultMount) != mounts.end()) {
    return std::string(kDefaultMount);
  }
  if (!mounts.empty()) return mounts.front();  // e.g. /sys/kernel/debug/tracing
  if (::mount("nodev", kDefaultMount, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    int err = errno;
    return Error{fmt::format("tracefs is not mounted, and mounting it at {} failed: {}",
                             kDefaultMount, std::strerror(err)),
                 err == EPERM ? "run as root, or mount it first: mount -t tracefs nodev "
                                "/sys/kernel/tracing"
                              : "check that the kernel has CONFIG_TRACING; mount it with: mount -t "
                                "tracefs nodev /sys/kernel/tracing"};
  }
  return std::string(kDefaultMount);
}

Result<std::string> tracefs_root() {
  // Mount state rarely changes under us; look once per process, retry after failures.
  static std::mutex mutex;
  static std::optional<std::string> cached;
  std::lock_guard lock(mutex);
  if (cached) return *cached;
  Result<std::string> root = find_or_mount_tracefs();
  if (root) cached = *root;
  return root;
}

Result<TracepointFormat> read_tracepoint_format(std::string_view category, std::string_view name,
                                                const ConstantResolver& resolve) {
  Result<std::string> root = tracefs_root();
  if (!root) return root.error();
  return read_tracepoint_format_at(*root, category, name, resolve);
}

Result<TracepointFormat> read_tracepoint_format_at(const std::string& root,
                                                   std::string_view category, std::string_view name,
                                                   const ConstantResolver& resolve) {
  if (Status s = check_component("category", category); !s) return s.error();
  if (Status s = check_component("name", name); !s) return s.error();
  std::string path = fmt::format("{}/events/{}/{}/format", root, category, name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return Error{fmt::format("no tracepoint {}:{}", category, name),
                   "`sonde list tracepoint:CATEGORY:*` shows the tracepoints of a category"};
    }
    return Error{fmt::format("cannot open {}: {}", path, std::strerror(err)), ""};
  }
  // tracefs files report size 0: read until EOF.
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{fmt::format("cannot read {}: {}", path, std::strerror(err)), ""};
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse_tracepoint_format(category, name, text, resolve);
}

Result<std::vector<TracepointName>> list_tracepoints() {
  Result<std::string> root = tracefs_root();
  if (!root) return root.error();
  return list_tracepoints_at(*root);
}

Result<std::vector<TracepointName>> list_tracepoints_at(const std::string& root) {
  Result<DirPtr> events = open_events_dir(root);
  if (!events) return events.error();
  std::vector<TracepointName> out;
  int events_fd = dirfd(events->get());
  for (const std::string& category : subdirectories(events->get())) {
    int fd = openat(events_fd, category.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    DirPtr dir(fdopendir(fd));
    if (!dir) {
      ::close(fd);
      continue;
    }
    for (std::string& name : subdirectories(dir.get())) {
      std::string format = name + "/format";
      if (faccessat(fd, format.c_str(), F_OK, 0) != 0) continue;  // not an event
      out.push_back(TracepointName{category, std::move(name)});
    }
  }
  std::sort(out.begin(), out.end(), [](const TracepointName& a, const TracepointName& b) {
    return std::tie(a.category, a.name) < std::tie(b.category, b.name);
  });
  return out;
}

Result<std::vector<std::string>> list_tracepoint_categories() {
  Result<std::string> root = tracefs_root();
  if (!root) return root.error();
  Result<DirPtr> events = open_events_dir(*root);
  if (!events) return events.error();
  std::vector<std::string> out = subdirectories(events->get());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sonde::kernel
