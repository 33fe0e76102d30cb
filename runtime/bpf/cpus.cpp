#include "runtime/bpf/cpus.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <charconv>

#include "runtime/bpf/errno_text.h"
#include "support/text.h"

namespace sonde::bpf {
namespace {

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  text = trim(text);
  if (text.empty()) return cpus;
  for (std::string_view part : split(text, ',')) {
    size_t dash = part.find('-');
    int first = 0, last = 0;
    bool ok = dash == std::string_view::npos ? parse_int(part, first) && parse_int(part, last)
                                             : parse_int(part.substr(0, dash), first) &&
                                                   parse_int(part.substr(dash + 1), last);
    if (!ok || last < first) return {};
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

Result<std::vector<int>> online_cpus() {
  std::string text;
  if (!read_file("/sys/devices/system/cpu/online", text)) {
    return Error{"cannot read /sys/devices/system/cpu/online", "is /sys mounted?"};
  }
  std::vector<int> cpus = parse_cpu_list(text);
  if (cpus.empty()) {
    return Error{fmt::format("cannot parse the online CPU list '{}'", trim(text)), ""};
  }
  return cpus;
}

Result<int> possible_cpus() {
  int n = libbpf_num_possible_cpus();
  if (n <= 0) return Error{fmt::format("cannot count possible CPUs: {}", errno_text(n)), ""};
  return n;
}

}  // namespace sonde::bpf
