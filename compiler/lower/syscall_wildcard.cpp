#include "compiler/lower/syscall_wildcard.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "compiler/kernel/syscall_numbers.h"

namespace sonde::lower {

std::optional<SyscallWildcard> syscall_wildcard(const sema::CheckedStatement& s, size_t threshold) {
  if (s.is_span || s.programs.empty()) return std::nullopt;
  const std::string_view first = s.programs.front().probe.name;
  SyscallWildcard out;
  out.exit = first.starts_with("sys_exit_");
  const std::string_view prefix = out.exit ? "sys_exit_" : "sys_enter_";
  std::map<uint32_t, size_t> users;  // number -> how many programs have it
  std::vector<std::optional<uint32_t>> numbers;
  for (const auto& prog : s.programs) {
    const sema::ResolvedProbe& p = prog.probe;
    if (prog.role != sema::ProgramRole::kMetric || p.kind->form != sema::ProbeForm::kTracepoint ||
        p.category != "syscalls" || p.raw_syscall || !p.format ||
        !std::string_view(p.name).starts_with(prefix))
      return std::nullopt;
    numbers.push_back(kernel::syscall_number(std::string_view(p.name).substr(prefix.size())));
    if (numbers.back()) ++users[*numbers.back()];
  }
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (!numbers[i] || users[*numbers[i]] != 1) continue;
    out.programs.push_back(i);
    out.numbers.push_back(*numbers[i]);
    out.limit = std::max(out.limit, *numbers[i] + 1);
  }
  if (out.programs.size() < threshold) return std::nullopt;
  return out;
}

}  // namespace sonde::lower
