#include "runtime/session/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "runtime/bpf/stats.h"
#include "support/text.h"

#ifdef SONDE_REVISION_HEADER
#include "sonde_revision.h"
#endif
#ifndef SONDE_VERSION
#define SONDE_VERSION "unknown"
#endif
#ifndef SONDE_REVISION
#define SONDE_REVISION "unknown"
#endif

namespace sonde::session {
namespace {

using metrics::Family;
using metrics::FamilyType;

void add(metrics::Snapshot& out, std::string name, std::string help, FamilyType type,
         double value) {
  Family f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  f.series.emplace_back().value = value;
  out.families.push_back(std::move(f));
}

// The fields of /proc/self/stat after the command name (which may hold spaces and
// parentheses): fields[0] is field 3 (state).
std::vector<std::string_view> stat_fields(const std::string& stat) {
  std::vector<std::string_view> fields;
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return fields;
  std::string_view rest = std::string_view(stat).substr(close + 1);
  size_t at = 0;
  while (at < rest.size()) {
    const size_t start = rest.find_first_not_of(" \n", at);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(rest.find_first_of(" \n", start), rest.size());
    fields.push_back(rest.substr(start, end - start));
    at = end;
  }
  return fields;
}

bool number(std::string_view text, double& out) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = static_cast<double>(value);
  return true;
}

// /proc/stat's btime: when the machine booted, in seconds since the epoch.
bool boot_time(double& out) {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("btime ")) return number(std::string_view(line).substr(6), out);
  }
  return false;
}

int open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

}  // namespace

BuildInfo this_build(std::optional<std::string> llvm) {
  return BuildInfo{SONDE_VERSION, SONDE_REVISION, std::move(llvm)};
}

void append_process_metrics(metrics::Snapshot& out) {
  std::string stat;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (read_file("/proc/self/stat", stat)) {
    // proc(5): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
    const std::vector<std::string_view> f = stat_fields(stat);
    double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0, boot = 0;
    if (f.size() > 21 && number(f[11], utime) && number(f[12], stime)) {
      add(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          FamilyType::kCounter, (utime + stime) / ticks);
    }
    if (f.size() > 21 && number(f[19], start) && boot_time(boot)) {
      add(out, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.", FamilyType::kGauge,
          boot + start / ticks);
    }
    if (f.size() > 21 && number(f[20], vsize)) {
      add(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", FamilyType::kGauge,
          vsize);
    }
    if (f.size() > 21 && number(f[21], rss)) {
      add(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
          FamilyType::kGauge, rss * page);
    }
  }
  if (const int fds = open_fds(); fds >= 0) {
    add(out, "process_open_fds", "Number of open file descriptors.", FamilyType::kGauge, fds);
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    add(out, "process_max_fds", "Maximum number of open file descriptors.", FamilyType::kGauge,
        static_cast<double>(limit.rlim_cur));  // unlimited: RLIM_INFINITY, as procfs reads it
  }
}

void append_build_info(const BuildInfo& build, metrics::Snapshot& out) {
  Family f;
  f.name = "sonde_build_info";
  f.help =
      "The sonde that serves these metrics (value 1): its version, source revision and the "
      "libbpf (and LLVM, where linked) it runs with";
  f.type = FamilyType::kGauge;
  f.label_names = {"version", "revision", "libbpf"};
  metrics::Series& s = f.series.emplace_back();
  std::vector<std::string> labels = {build.version, build.revision, bpf::libbpf_version()};
  if (build.llvm) {
    f.label_names.push_back("llvm");
    labels.push_back(*build.llvm);
  }
  s.label_values = metrics::LabelValues(labels);
  s.value = 1;
  out.families.push_back(std::move(f));
}

}  // namespace sonde::session
