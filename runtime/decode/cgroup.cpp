#include "runtime/decode/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "support/text.h"

namespace sonde::decode {
namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// A file handle with room for the kernfs id (struct file_handle ends in a flexible
// array).
class Handle {
 public:
  Handle() { get()->handle_bytes = kRoom; }
  file_handle* get() { return reinterpret_cast<file_handle*>(bytes_); }

 private:
  static constexpr unsigned kRoom = 64;
  alignas(file_handle) unsigned char bytes_[sizeof(file_handle) + kRoom] = {};
};

// The mount shows the whole hierarchy: its root is "/", or, read from inside a cgroup
// namespace (a container given the host's /sys/fs/cgroup), "/.." once per level the
// namespace's root lies below it. A mount of a subtree ("/kubepods") would not.
bool is_hierarchy_root(std::string_view root) {
  if (root == "/") return true;
  while (starts_with(root, "/..")) root.remove_prefix(3);
  return root.empty();
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

}  // namespace

std::string find_cgroup2_mount(const std::string& mountinfo) {
  std::string text;
  if (!read_file(mountinfo, text)) return {};
  std::string found;
  // "36 25 0:31 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw"
  for (std::string_view line : split(text, '\n')) {
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto tail = split(line.substr(dash + 3), ' ');
    auto head = split(line.substr(0, dash), ' ');
    if (tail.empty() || tail[0] != "cgroup2" || head.size() < 5 || !is_hierarchy_root(head[3]))
      continue;
    std::string point = unescape(head[4]);
    if (found.empty() || point == "/sys/fs/cgroup") found = point;
  }
  return found;
}

CgroupPaths::CgroupPaths(std::string mount, std::chrono::milliseconds min_rewalk, Method method)
    : mount_(std::move(mount)),
      min_rewalk_(min_rewalk),
      handles_(method == Method::kWalk ? Handles::kNo : Handles::kUnknown) {}

CgroupLookup CgroupPaths::lookup(uint64_t id) {
  if (mount_.empty()) return {std::nullopt, true};
  if (handles_ == Handles::kUnknown) probe_handles();
  if (handles_ == Handles::kYes) {
    if (auto it = paths_.find(id); it != paths_.end()) return {it->second, true};
    CgroupLookup found = open_by_id(id);
    if (handles_ == Handles::kYes) return found;  // else: handles stopped working
  }
  return walk_lookup(id);
}

void CgroupPaths::mark_stale() {
  stale_ = true;
  if (handles_ == Handles::kYes) paths_.clear();
}

// The root's handle shows the type and size this kernel uses for cgroup handles (kernfs:
// 8 bytes holding the id); opening it back proves we may open handles at all.
void CgroupPaths::probe_handles() {
  handles_ = Handles::kNo;
  mount_fd_ = UniqueFd(::open(mount_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat root;
  if (!mount_fd_ || fstat(mount_fd_.get(), &root) != 0) return;
  Handle h;
  int mount_id = 0;
  if (name_to_handle_at(mount_fd_.get(), "", h.get(), &mount_id, AT_EMPTY_PATH) != 0 ||
      h.get()->handle_bytes != sizeof(uint64_t)) {
    return;
  }
  uint64_t id;
  std::memcpy(&id, h.get()->f_handle, sizeof(id));
  handle_type_ = h.get()->handle_type;
  if (id != static_cast<uint64_t>(root.st_ino)) return;
  UniqueFd fd(open_by_handle_at(mount_fd_.get(), h.get(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) handles_ = Handles::kYes;
}

CgroupLookup CgroupPaths::open_by_id(uint64_t id) {
  Handle h;
  h.get()->handle_bytes = sizeof(id);
  h.get()->handle_type = handle_type_;
  std::memcpy(h.get()->f_handle, &id, sizeof(id));
  UniqueFd fd(open_by_handle_at(mount_fd_.get(), h.get(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    // ESTALE: no cgroup has this id any more (ids are never reused). Anything else means
    // handles do not work after all: walk from now on.
    if (errno == ESTALE || errno == ENOENT || errno == ENOTDIR) return {std::nullopt, true};
    handles_ = Handles::kNo;
    return {std::nullopt, false};
  }
  char target[PATH_MAX];
  std::string link = fmt::format("/proc/self/fd/{}", fd.get());
  ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
  std::string_view path(target, n > 0 ? static_cast<size_t>(n) : 0);
  constexpr std::string_view kDeleted = " (deleted)";  // removed since we opened it
  if (path.ends_with(kDeleted)) return {std::nullopt, true};
  if (!starts_with(path, mount_) || (path.size() > mount_.size() && path[mount_.size()] != '/')) {
    return {std::nullopt, false};  // outside our view of the hierarchy (another namespace)
  }
  path.remove_prefix(mount_.size());
  std::string relative = path.empty() ? std::string(1, '/') : std::string(path);
  return {paths_.insert_or_assign(id, std::move(relative)).first->second, true};
}

CgroupLookup CgroupPaths::walk_lookup(uint64_t id) {
  if (stale_ && may_walk()) walk();
  auto it = paths_.find(id);
  if (it == paths_.end() && may_walk()) {
    walk();
    it = paths_.find(id);
  }
  if (it == paths_.end()) return {std::nullopt, false};
  return {it->second, true};
}

bool CgroupPaths::may_walk() const {
  return walks_ == 0 || std::chrono::steady_clock::now() - last_walk_ >= min_rewalk_;
}
void CgroupPaths::walk() {
  ++walks_;
  last_walk_ = std::chrono::steady_clock::now();
  stale_ = false;
  paths_.clear();
  struct stat root;
  if (stat(mount_.c_str(), &root) != 0) return;
  paths_[root.st_ino] = std::string(1, '/');  // (= "/" trips a GCC 12 -Wrestrict bug)
  // readdir's d_ino is the kernfs node id, so no stat per cgroup is needed.
  std::vector<std::string> pending{""};
  while (!pending.empty()) {
    std::string relative = std::move(pending.back());
    pending.pop_back();
    std::unique_ptr<DIR, DirCloser> dir(opendir((mount_ + relative).c_str()));
    if (!dir) continue;  // removed while we walked
    while (const dirent* entry = readdir(dir.get())) {
      if (entry->d_type != DT_DIR) continue;
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string child = relative + "/" + entry->d_name;
      paths_[entry->d_ino] = child;
      pending.push_back(std::move(child));
    }
  }
}

}  // namespace sonde::decode
