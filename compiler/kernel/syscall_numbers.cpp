#include "compiler/kernel/syscall_numbers.h"

#include <algorithm>

namespace sonde::kernel {
namespace {

// Entry points whose SYSCALL_DEFINE name (the tracepoint's) is not the number's name in
// the header (arch/x86/entry/syscalls/syscall_64.tbl names both). The header's name
// then names no tracepoint: an event called `stat` would be the ia32 one, which the
// syscalls:* tracepoints never report.
struct Renamed {
  const char* header;
  const char* event;
};
constexpr Renamed kRenamed[] = {
    {"stat", "newstat"},   {"fstat", "newfstat"},      {"lstat", "newlstat"},
    {"uname", "newuname"}, {"sendfile", "sendfile64"}, {"umount2", "umount"},
};

}  // namespace

std::optional<uint32_t> syscall_number(std::string_view event) {
  std::string_view header = event;
  for (const auto& r : kRenamed) {
    if (event == r.header) return std::nullopt;
    if (event == r.event) header = r.header;
  }
  auto rows = syscall_numbers_table();
  auto it = std::lower_bound(rows.begin(), rows.end(), header,
                             [](const SyscallNumber& row, std::string_view name) {
                               return std::string_view(row.name) < name;
                             });
  if (it == rows.end() || std::string_view(it->name) != header) return std::nullopt;
  return it->number;
}

uint32_t syscall_number_limit() {
  uint32_t limit = 0;
  for (const auto& row : syscall_numbers_table()) limit = std::max(limit, row.number + 1);
  return limit;
}

}  // namespace sonde::kernel
