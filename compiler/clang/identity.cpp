#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "compiler/clang/compile.h"
#include "compiler/clang/plugin_loader.h"

namespace sonde::clang_bpf {
namespace {

bool read_at(int fd, void* out, size_t size, off_t offset) {
  return ::pread(fd, out, size, offset) == static_cast<ssize_t>(size);
}

// The NT_GNU_BUILD_ID note of an ELF64 file, in hex; empty when it has none. Reads a
// few hundred bytes: the headers and the notes, not the 70 MB around them.
std::string build_id(int fd) {
  Elf64_Ehdr header;
  if (!read_at(fd, &header, sizeof header, 0) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    return {};
  }
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  if (!read_at(fd, segments.data(), segments.size() * sizeof(Elf64_Phdr),
               static_cast<off_t>(header.e_phoff)))
    return {};
  for (const auto& segment : segments) {
    if (segment.p_type != PT_NOTE || segment.p_filesz > 64 * 1024) continue;
    std::vector<uint8_t> notes(segment.p_filesz);
    if (!read_at(fd, notes.data(), notes.size(), static_cast<off_t>(segment.p_offset))) return {};
    size_t at = 0;
    while (at + sizeof(Elf64_Nhdr) <= notes.size()) {
      Elf64_Nhdr note;
      std::memcpy(&note, notes.data() + at, sizeof note);
      size_t name_at = at + sizeof note;
      size_t desc_at = name_at + ((note.n_namesz + 3) & ~3u);
      size_t end = desc_at + ((note.n_descsz + 3) & ~3u);
      if (end > notes.size()) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(notes.data() + name_at, "GNU", 4) == 0) {
        std::string hex;
        for (uint32_t i = 0; i < note.n_descsz; ++i)
          hex += fmt::format("{:02x}", notes[desc_at + i]);
        return hex;
      }
      at = end;
    }
  }
  return {};
}

}  // namespace

Result<std::string> compiler_identity() {
  Result<std::string> path = find_plugin();
  if (!path) return path.error();
  int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{fmt::format("cannot read {}: {}", *path, std::strerror(errno)), ""};
  }
  struct stat st {};
  ::fstat(fd, &st);
  std::string id = build_id(fd);
  ::close(fd);
  if (!id.empty()) return fmt::format("build-id {} abi {}", id, SONDE_CC_ABI_VERSION);
  // No build id (a linker that adds none): the file itself, as stat sees it.
  return fmt::format("file {} size {} mtime {}.{} inode {} abi {}", *path, st.st_size,
                     st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino, SONDE_CC_ABI_VERSION);
}

}  // namespace sonde::clang_bpf
