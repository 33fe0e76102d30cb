#include "compiler/driver/compile_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "support/result.h"
#include "support/unique_fd.h"

namespace sonde::driver {
namespace {

constexpr char kMagic[8] = {'S', 'O', 'N', 'D', 'E', 'C', '1', '\n'};
constexpr const char* kEntrySuffix = ".o";
constexpr const char* kSeenSuffix = ".seen";
constexpr uint64_t kSeenBytes = 256;  // what a hint counts for against max_bytes
constexpr const char* kTempPrefix = ".tmp-";

struct EntryHeader {
  char magic[8];
  uint64_t material_size;
  uint64_t object_size;
  uint64_t checksum;  // of the material and the object
};

// A 64-bit hash with good mixing (not cryptographic: entries are verified against
// their whole key material, so a collision costs a miss, never a wrong object).
uint64_t hash64(std::string_view data, uint64_t seed) {
  constexpr uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xbf58476d1ce4e5b9ull;
  uint64_t h = seed ^ (data.size() * k1);
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = std::rotl((h ^ w) * k1, 31) * k2;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, data.data() + i, data.size() - i);
  h = std::rotl((h ^ tail) * k1, 31) * k2;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

uint64_t checksum(std::string_view material, std::string_view object) {
  return hash64(object, hash64(material, 0x5eed));
}

std::string default_dir() {
  if (const char* dir = std::getenv("SONDE_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/sonde";
  }
  if (::geteuid() == 0) return "/var/cache/sonde";
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return std::string(home) + "/.cache/sonde";
  }
  return {};
}

bool disabled_by_environment() {
  const char* off = std::getenv("SONDE_NO_CACHE");
  return off != nullptr && *off != '\0' && std::string_view(off) != "0";
}

// Ours alone: an entry is code that gets loaded into the kernel. The last component is
// created and opened without following a symlink, and checked on the opened directory,
// so a symlink planted at the path (to /etc, to a setuid binary) is refused, never
// chmod'ed. Returns the directory's fd, or an error saying why it is not used.
Result<UniqueFd> private_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path path(dir);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error{fmt::format("cannot create {}: {}", dir, std::strerror(errno)), ""};
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    struct stat link {};
    if (::lstat(dir.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
      return Error{fmt::format("{} is a symbolic link", dir), ""};
    return Error{
        fmt::format("{}: {}", dir, err == ENOTDIR ? "not a directory" : std::strerror(err)), ""};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error{fmt::format("{} is not a directory", dir), ""};
  if (st.st_uid != ::geteuid())
    return Error{fmt::format("{} belongs to uid {}, not to this user", dir, st.st_uid), ""};
  if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0700) != 0)
    return Error{fmt::format("{} is writable by others and cannot be made private", dir), ""};
  return fd;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool read_all(int fd, char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string_view as_chars(const std::vector<uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

CompileCache::CompileCache(CacheOptions options) : options_(std::move(options)) {}

bool CompileCache::ready() {
  if (opened_) return !dir_.empty();
  opened_ = true;
  if (!options_.enabled || disabled_by_environment()) return false;
  std::string dir = options_.dir.empty() ? default_dir() : options_.dir;
  if (dir.empty()) return false;
  auto fd = private_directory(dir);
  if (!fd) {
    problem_ = fd.error().message;
    return false;
  }
  dir_fd_ = std::move(fd.value());
  auto compiler = clang_bpf::compiler_identity();
  if (!compiler) return false;  // no plugin: the compile itself will say so
  identity_ =
      fmt::format("sonde compile cache 1\ncompiler {}\nkernel {}\n", *compiler, options_.kernel);
  dir_ = std::move(dir);
  return true;
}

std::string CompileCache::key_material(const clang_bpf::CompileInput& input) {
  std::string m = identity_;
  for (const auto& d : input.defines) m += fmt::format("define {}\n", d);
  for (const auto& d : input.include_dirs) m += fmt::format("include {}\n", d);
  const std::string* main_text = nullptr;
  for (const auto& [path, text] : input.files) {
    if (path == input.main_file) {
      main_text = &text;
      continue;
    }
    // Headers by hash: they are fixed per sonde build and ~200 KB in all.
    m += fmt::format("file {} {} {:016x}\n", path, text.size(), hash64(text, 0));
  }
  m += fmt::format("main {}\n", input.main_file);
  if (main_text) m += *main_text;
  return m;
}

// Entries are named relative to the directory's fd (dir_fd_): the directory checked is
// the one used, whatever happens to its path afterwards.
std::string CompileCache::entry_name(const std::string& material) const {
  return fmt::format("{:016x}{:016x}{}", hash64(material, 1), hash64(material, 2), kEntrySuffix);
}

std::string CompileCache::seen_name(std::string_view name, std::string_view text) const {
  uint64_t h = hash64(text, hash64(name, hash64(identity_, 3)));
  return fmt::format("{:016x}{}", h, kSeenSuffix);
}

bool CompileCache::seen(std::string_view name, std::string_view text) {
  if (!ready()) return false;
  return ::faccessat(dir_fd_.get(), seen_name(name, text).c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void CompileCache::remember(std::string_view name, std::string_view text) {
  if (!ready()) return;
  UniqueFd fd(::openat(dir_fd_.get(), seen_name(name, text).c_str(),
                       O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600));
}

std::optional<std::vector<uint8_t>> CompileCache::find(const clang_bpf::CompileInput& input) {
  if (!ready()) return std::nullopt;
  std::string material = key_material(input);
  const std::string name = entry_name(material);
  // Non-blocking: a FIFO planted at an entry's name must not hang the compile.
  UniqueFd entry(
      ::openat(dir_fd_.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!entry) return std::nullopt;
  const int fd = entry.get();
  struct stat st {};
  EntryHeader header{};
  std::string stored;
  std::vector<uint8_t> object;
  bool valid = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
               read_all(fd, reinterpret_cast<char*>(&header), sizeof header) &&
               std::memcmp(header.magic, kMagic, sizeof kMagic) == 0 &&
               static_cast<uint64_t>(st.st_size) ==
                   sizeof header + header.material_size + header.object_size;
  if (valid) {
    stored.resize(header.material_size);
    object.resize(header.object_size);
    valid = read_all(fd, stored.data(), stored.size()) &&
            read_all(fd, reinterpret_cast<char*>(object.data()), object.size()) &&
            checksum(stored, as_chars(object)) == header.checksum;
  }
  if (valid && stored == material) {
    ::futimens(fd, nullptr);  // recently used: pruned last
    return object;
  }
  if (!valid)
    ::unlinkat(dir_fd_.get(), name.c_str(),
               0);  // torn or corrupt; a key collision stays until replaced
  return std::nullopt;
}

void CompileCache::store(const clang_bpf::CompileInput& input, const std::vector<uint8_t>& object) {
  if (!ready()) return;
  std::string material = key_material(input);
  EntryHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.material_size = material.size();
  header.object_size = object.size();
  header.checksum = checksum(material, as_chars(object));

  static std::atomic<uint32_t> sequence{0};
  std::string temp = fmt::format("{}{}-{}", kTempPrefix, ::getpid(), sequence++);
  const int dir = dir_fd_.get();
  int fd = ::openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  bool written = write_all(fd, {reinterpret_cast<const char*>(&header), sizeof header}) &&
                 write_all(fd, material) && write_all(fd, as_chars(object));
  written = ::close(fd) == 0 && written;
  if (!written || ::renameat(dir, temp.c_str(), dir, entry_name(material).c_str()) != 0) {
    ::unlinkat(dir, temp.c_str(), 0);
    return;
  }
  prune();
}

void CompileCache::prune() const {
  struct Entry {
    std::string name;
    int64_t mtime_ns;
    uint64_t bytes;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  // fdopendir takes the fd it is given: hand it a duplicate of the directory's.
  DIR* d = ::fdopendir(::fcntl(dir_fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (d == nullptr) return;
  ::rewinddir(d);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    bool entry =
        (name.ends_with(kEntrySuffix) || name.ends_with(kSeenSuffix)) && !name.starts_with(".");
    bool temp = name.starts_with(kTempPrefix);
    if (!entry && !temp) continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
      continue;
    int64_t mtime_ns = st.st_mtim.tv_sec * 1'000'000'000ll + st.st_mtim.tv_nsec;
    if (temp) {
      // Left by a process that died mid-write.
      if (now_ns - mtime_ns > 600'000'000'000ll) ::unlinkat(::dirfd(d), e->d_name, 0);
      continue;
    }
    uint64_t bytes = std::max<uint64_t>(static_cast<uint64_t>(st.st_size), kSeenBytes);
    entries.push_back({e->d_name, mtime_ns, bytes});
    total += bytes;
  }
  ::closedir(d);
  if (total <= options_.max_bytes) return;
  // Down to three quarters, so that pruning is not paid again at the next store.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.mtime_ns < b.mtime_ns; });
  for (const auto& e : entries) {
    if (total <= options_.max_bytes / 4 * 3) break;
    if (::unlinkat(dir_fd_.get(), e.name.c_str(), 0) == 0) total -= e.bytes;
  }
}

}  // namespace sonde::driver
