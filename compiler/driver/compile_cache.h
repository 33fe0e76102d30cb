// Compiled BPF objects kept on disk, so that running a program again skips the C
// compile (the plugin's dlopen and Clang: most of a cold `sonde run`'s start).
//
// Never stale: an entry holds its whole key material (the generated C, the compile's
// defines and include dirs, a hash of every header, the compiler's build id and the
// kernel's identity) and is used only when all of it matches exactly.
// The generated C already carries the kernel types it was built from (emitted from
// BTF), so a kernel whose types differ yields different C, hence a different key.
//
// Entries are written to a temporary file and renamed into place (readers see whole
// entries or none), carry a checksum (a torn or corrupt file is a miss, and removed),
// and the directory is bounded: past `max_bytes` the least recently used entries go.
//
// Where: $SONDE_CACHE_DIR, else $XDG_CACHE_HOME/sonde, else /var/cache/sonde for root
// and ~/.cache/sonde for others. A directory that is not ours alone (owned by another
// user, a symbolic link, not a directory) is not used and problem() says why: an entry
// is code loaded into the kernel. A directory of ours writable by others is made
// private (on the opened directory, never through its path). SONDE_NO_CACHE=1 turns the cache off.
// Besides entries (*.o) the directory holds empty *.seen files, the hints of seen().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/clang/compile.h"
#include "support/unique_fd.h"

namespace sonde::driver {

struct CacheOptions {
  bool enabled = true;
  std::string dir;                   // empty: the default above
  uint64_t max_bytes = 64ull << 20;  // objects are 3-30 KB: thousands of programs
  std::string kernel;                // the kernel compiled for (sema::KernelInfo::identity())
};

class CompileCache {
 public:
  explicit CompileCache(CacheOptions options = {});

  // The object a compile of `input` would produce, if an entry holds it.
  std::optional<std::vector<uint8_t>> find(const clang_bpf::CompileInput& input);
  // Keeps `object` for `input`. Failures are ignored: the cache is an optimization.
  void store(const clang_bpf::CompileInput& input, const std::vector<uint8_t>& object);

  // Whether a program of this name and text was compiled here before: a guess at a hit
  // made before the C exists (it may differ), so that a likely miss can start the
  // compiler early. False when the cache is off. remember() records a compile.
  bool seen(std::string_view name, std::string_view text);
  void remember(std::string_view name, std::string_view text);

  // The directory in use; empty when the cache is off or unusable.
  const std::string& dir() const { return dir_; }
  // Why the cache is not used although it is on (its directory is a symlink, not ours,
  // ...); empty otherwise. Known once a compile has asked for the cache.
  const std::string& problem() const { return problem_; }

 private:
  bool ready();
  std::string key_material(const clang_bpf::CompileInput& input);
  std::string entry_name(const std::string& material) const;
  std::string seen_name(std::string_view name, std::string_view text) const;
  void prune() const;

  CacheOptions options_;
  bool opened_ = false;
  std::string dir_;
  UniqueFd dir_fd_;
  std::string problem_;
  std::string identity_;  // compiler, sonde and kernel: the same for every compile
};

}  // namespace sonde::driver
