#include "runtime/decode/kernel_symbols.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "support/unique_fd.h"

namespace sonde::decode {
namespace {

// No kernel function is this long; past it an address is in a gap (data, unmapped
// module space) that the table does not describe.
constexpr uint64_t kMaxDistance = 1 << 20;
// Kernel addresses live in the upper half of the address space; symbols below it are
// per-CPU offsets or absolute values, not code.
constexpr uint64_t kKernelSpace = uint64_t{1} << 63;
// Enough for a few dozen syscalls over the ~5 MB file, small enough not to page-fault much.
constexpr size_t kReadChunk = 256 << 10;

constexpr std::array<int, 256> kHexDigits = [] {
  std::array<int, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 10; ++i) t['0' + i] = i;
  for (int i = 0; i < 6; ++i) t['a' + i] = t['A' + i] = 10 + i;
  return t;
}();

// Among aliases (_text, _stext, srso_alias_untrain_ret share one address) prefer the
// name with fewer leading underscores, then a global one.
uint16_t rank_of(std::string_view name, char type) {
  uint16_t underscores = 0;
  while (underscores < name.size() && underscores < 3 && name[underscores] == '_') ++underscores;
  bool local = type >= 'a' && type <= 'z';
  return static_cast<uint16_t>(underscores * 2 + (local ? 1 : 0));
}

}  // namespace

// "ffffffff81000000 T name" or "ffffffffc0201000 t name\t[module]", without newline.
bool KernelSymbols::add_line(const char* p, const char* end) {
  uint64_t addr = 0;
  for (int d; p < end && (d = kHexDigits[static_cast<uint8_t>(*p)]) >= 0; ++p) {
    addr = addr << 4 | static_cast<uint64_t>(d);
  }
  if (end - p < 4 || p[0] != ' ' || p[2] != ' ') return addr != 0;
  char type = p[1];
  const char* name = p + 3;
  const char* tab = static_cast<const char*>(std::memchr(name, '\t', end - name));
  std::string_view n(name, (tab ? tab : end) - name);
  if (addr >= kKernelSpace && type != 'a' && type != 'A' && type != 'U' && !n.empty() &&
      n.size() <= UINT16_MAX) {
    symbols_.push_back({addr, static_cast<uint32_t>(names_.size()), static_cast<uint16_t>(n.size()),
                        rank_of(n, type)});
    names_.append(n);
  }
  return addr != 0;
}

Result<KernelSymbols> KernelSymbols::load(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno)),
                 "kernel symbols need read access to /proc/kallsyms"};
  }
  KernelSymbols table;
  table.symbols_.reserve(1 << 17);
  table.names_.reserve(4 << 20);  // pages are touched only as names arrive

  // Chunks are parsed as they arrive; a partial last line moves to the front.
  std::string buffer(kReadChunk, '\0');
  size_t filled = 0;
  bool any_nonzero = false;
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.data() + filled, buffer.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno)), ""};
    filled += static_cast<size_t>(n);
    const char* p = buffer.data();
    const char* end = p + filled;
    while (const char* newline = static_cast<const char*>(std::memchr(p, '\n', end - p))) {
      any_nonzero |= table.add_line(p, newline);
      p = newline + 1;
    }
    if (n == 0) {
      if (p < end) any_nonzero |= table.add_line(p, end);
      break;
    }
    filled = end - p;
    std::memmove(buffer.data(), p, filled);
    if (filled == buffer.size()) buffer.resize(buffer.size() * 2);  // absurdly long line
  }
  if (!any_nonzero) {
    return Error{fmt::format("{} shows only zero addresses", path),
                 "run as root, or lower kernel.kptr_restrict"};
  }

  // The file is sorted but for a short tail (BPF programs and trampolines, listed after
  // the kernel and its modules, can sit at lower addresses): sort the tail and merge it
  // in, linear time instead of sorting 120k symbols (~28M instructions). Name offsets
  // grow in file order, so ties keep it.
  auto& symbols = table.symbols_;
  auto by_address = [](const Symbol& a, const Symbol& b) {
    return a.addr != b.addr ? a.addr < b.addr : a.name < b.name;
  };
  auto sorted_end = std::is_sorted_until(symbols.begin(), symbols.end(), by_address);
  if (sorted_end != symbols.end()) {
    std::sort(sorted_end, symbols.end(), by_address);
    std::inplace_merge(symbols.begin(), sorted_end, symbols.end(), by_address);
  }
  // One symbol per address: the best-ranked alias, the first in the file on ties.
  size_t kept = 0;
  for (const Symbol& s : symbols) {
    if (kept > 0 && symbols[kept - 1].addr == s.addr) {
      if (s.rank < symbols[kept - 1].rank) symbols[kept - 1] = s;
    } else {
      symbols[kept++] = s;
    }
  }
  symbols.resize(kept);
  return table;
}

std::string_view KernelSymbols::lookup(uint64_t addr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), addr,
                             [](uint64_t a, const Symbol& s) { return a < s.addr; });
  if (it == symbols_.begin()) return {};
  --it;
  if (addr - it->addr >= kMaxDistance) return {};
  return std::string_view(names_).substr(it->name, it->length);
}

}  // namespace sonde::decode
