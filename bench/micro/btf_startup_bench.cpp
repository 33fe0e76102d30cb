// Cost of the kernel BTF for one compile, each run in a fresh process: open, first
// find(), first find_enum_constant(), and the resident memory they add; libbpf's
// btf__load_vmlinux_btf for comparison. Not a test: run it by hand.
//   build/bench/sonde_btf_startup_bench [runs]
#include <bpf/btf.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/kernel/btf.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Resident kB from /proc/self/status: {"VmRSS", "RssAnon", "RssFile"}.
std::map<std::string, long> rss() {
  std::map<std::string, long> out;
  std::ifstream in("/proc/self/status");
  std::string key;
  long kb;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    if (s >> key >> kb &&
        (key == "VmRSS:" || key == "RssAnon:" || key == "RssFile:" || key == "RssShmem:")) {
      out[key.substr(0, key.size() - 1)] = kb;
    }
  }
  return out;
}

// One measurement, printed as "name value" pairs on one line.
int run_once(bool libbpf) {
  using sonde::kernel::Btf;
  using sonde::kernel::TypeKind;
  std::map<std::string, long> before = rss();
  Clock::time_point t0 = Clock::now();
  if (libbpf) {
    struct btf* b = btf__load_vmlinux_btf();
    double load = ms_since(t0);
    Clock::time_point t1 = Clock::now();
    int id = btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT);
    double find = ms_since(t1);
    std::map<std::string, long> after = rss();
    std::printf("libbpf_load %.3f libbpf_find %.3f libbpf_rss_kb %ld ok %d\n", load, find,
                after["VmRSS"] - before["VmRSS"], id > 0);
    return 0;
  }
  sonde::Result<std::shared_ptr<const Btf>> btf = Btf::open();
  double open = ms_since(t0);
  if (!btf.ok()) return 1;
  Clock::time_point t1 = Clock::now();
  std::optional<uint32_t> task = (*btf)->find("task_struct", TypeKind::kStruct);
  double find = ms_since(t1);
  Clock::time_point t2 = Clock::now();
  std::optional<sonde::kernel::EnumConstant> c = (*btf)->find_enum_constant("TCP_ESTABLISHED");
  double enum_find = ms_since(t2);
  double total = ms_since(t0);
  std::map<std::string, long> after = rss();
  // Functions have their own index, built on the first FUNC lookup (tp_btf names).
  Clock::time_point t3 = Clock::now();
  (void)(*btf)->find("__probestub_sched_switch", TypeKind::kFunction);
  double func_find = ms_since(t3);
  std::map<std::string, long> after_func = rss();
  std::printf(
      "open %.3f first_find %.3f first_enum %.3f total %.3f rss_kb %ld anon_kb %ld file_kb %ld "
      "first_func_find %.3f func_rss_kb %ld ok %d\n",
      open, find, enum_find, total, after["VmRSS"] - before["VmRSS"],
      after["RssAnon"] - before["RssAnon"],
      after["RssFile"] + after["RssShmem"] - before["RssFile"] - before["RssShmem"], func_find,
      after_func["VmRSS"] - after["VmRSS"], task && c && c->value == 1);
  return 0;
}

std::string run_child(const char* self, const char* mode) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    execl(self, self, mode, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--once") == 0) return run_once(false);
  if (argc > 1 && std::strcmp(argv[1], "--once-libbpf") == 0) return run_once(true);
  int runs = argc > 1 ? std::atoi(argv[1]) : 21;
  std::map<std::string, std::vector<double>> values;
  for (int i = 0; i < runs; ++i) {
    // Interleaved, so both see the same background load.
    for (const char* mode : {"--once", "--once-libbpf"}) {
      std::istringstream s(run_child(argv[0], mode));
      std::string key;
      double v;
      while (s >> key >> v) values[key].push_back(v);
    }
  }
  std::printf("%d fresh processes each; median (min - max)\n", runs);
  for (auto& [key, v] : values) {
    std::sort(v.begin(), v.end());
    std::printf("  %-16s %9.3f  (%.3f - %.3f)\n", key.c_str(), v[v.size() / 2], v.front(),
                v.back());
  }
  return 0;
}
