#include <sys/stat.h>

#include <fmt/format.h>

#include "compiler/clang/compile.h"
#include "compiler/clang/plugin_loader.h"
#include "format/elf.h"

namespace sonde::clang_bpf {

Result<std::string> compiler_identity() {
  Result<std::string> path = find_plugin();
  if (!path) return path.error();
  // Mapped: reading the notes touches a few pages of the 70 MB plugin.
  auto file = format::ElfFile::open(*path);
  if (!file) return file.error();
  std::string id = file->view().build_id();
  struct stat st {};
  ::stat(path->c_str(), &st);
  if (!id.empty()) return fmt::format("build-id {} abi {}", id, SONDE_CC_ABI_VERSION);
  // No build id (a linker that adds none): the file itself, as stat sees it.
  return fmt::format("file {} size {} mtime {}.{} inode {} abi {}", *path, st.st_size,
                     st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino, SONDE_CC_ABI_VERSION);
}

}  // namespace sonde::clang_bpf
