#include "runtime/decode/proc_maps.h"

#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "support/text.h"

namespace sonde::decode {
namespace {

bool parse_hex(std::string_view& text, uint64_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc()) return false;
  text.remove_prefix(end - text.data());
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || text[0] != c) return false;
  text.remove_prefix(1);
  return true;
}

// "55d0c3a00000-55d0c3a21000 r-xp 00002000 fd:01 1835 /usr/bin/cat"
std::optional<Mapping> parse_line(std::string_view line) {
  Mapping m;
  uint64_t major = 0, minor = 0;
  if (!parse_hex(line, m.start) || !expect(line, '-') || !parse_hex(line, m.end) ||
      !expect(line, ' ') || line.size() < 5 || line[2] != 'x') {
    return std::nullopt;
  }
  line.remove_prefix(4);
  if (!expect(line, ' ') || !parse_hex(line, m.offset) || !expect(line, ' ') ||
      !parse_hex(line, major) || !expect(line, ':') || !parse_hex(line, minor) ||
      !expect(line, ' ')) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), m.inode, 10);
  if (ec != std::errc()) return std::nullopt;
  line.remove_prefix(end - line.data());
  line = trim(line);
  // Anonymous memory, [vdso], [vsyscall] and JIT code have no file to read symbols from.
  if (m.inode == 0 || line.empty() || line[0] != '/' || m.end <= m.start) return std::nullopt;
  m.dev = makedev(static_cast<unsigned>(major), static_cast<unsigned>(minor));
  m.path = std::string(line);
  return m;
}

}  // namespace

std::vector<Mapping> parse_exec_mappings(std::string_view text) {
  std::vector<Mapping> out;
  for (std::string_view line : split(text, '\n')) {
    if (auto m = parse_line(line)) out.push_back(std::move(*m));
  }
  std::sort(out.begin(), out.end(),
            [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  return out;
}

std::optional<std::vector<Mapping>> read_exec_mappings(int pid) {
  std::string text;
  if (pid <= 0 || !read_file(fmt::format("/proc/{}/maps", pid), text)) return std::nullopt;
  return parse_exec_mappings(text);
}

std::optional<ProcessStat> read_process_stat(int pid) {
  std::string text;
  if (pid <= 0 || !read_file(fmt::format("/proc/{}/stat", pid), text)) return std::nullopt;
  // "PID (COMM) STATE ..." where COMM may hold spaces and parentheses: fields count from
  // the last ')'. STATE is field 3, starttime field 22.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::vector<std::string_view> words;
  for (auto w : split(std::string_view(text).substr(paren + 1), ' ')) {
    if (!w.empty()) words.push_back(w);
  }
  if (words.size() < 20) return std::nullopt;
  ProcessStat stat;
  stat.exited = words[0] == "Z" || words[0] == "X";
  std::string_view start = words[19];
  auto [end, ec] = std::from_chars(start.data(), start.data() + start.size(), stat.start_time, 10);
  if (ec != std::errc()) return std::nullopt;
  return stat;
}

const Mapping* find_mapping(const std::vector<Mapping>& mappings, uint64_t addr) {
  auto it = std::upper_bound(mappings.begin(), mappings.end(), addr,
                             [](uint64_t a, const Mapping& m) { return a < m.start; });
  if (it == mappings.begin()) return nullptr;
  --it;
  return addr < it->end ? &*it : nullptr;
}

}  // namespace sonde::decode
