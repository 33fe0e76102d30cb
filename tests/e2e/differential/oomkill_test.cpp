// The `oom` event (stdlib/memory.sonde, examples/oomkill.sonde). Its reference tool,
// oomkill.bt, traces kprobe:oom_kill_process; the kernel's own count is the OOM kills of
// a memory cgroup (memory.oom_control's oom_kill in cgroup v1, memory.events' oom_kill in
// v2). The test makes one: a child in a memory cgroup of its own (nested in the test's
// cgroup, limited to 32 MiB) touches 256 MiB and the kernel kills it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

// A memory cgroup below this process's own, removed when done.
class MemoryCgroup {
 public:
  MemoryCgroup() {
    std::ifstream in("/proc/self/cgroup");
    std::string line, v1, v2;
    while (std::getline(in, line)) {
      auto colon = line.find(':'), second = line.find(':', colon + 1);
      std::string controllers = line.substr(colon + 1, second - colon - 1);
      std::string path = line.substr(second + 1);
      if (controllers == "memory") v1 = "/sys/fs/cgroup/memory" + path;
      if (line.rfind("0::", 0) == 0) v2 = "/sys/fs/cgroup" + path;
    }
    const std::string name = "/sonde-oom-" + std::to_string(getpid());
    if (!v1.empty() && access((v1 + "/memory.oom_control").c_str(), F_OK) == 0) {
      dir_ = v1 + name;
      limit_ = "memory.limit_in_bytes";
      counter_ = "memory.oom_control";
    } else if (!v2.empty() && access((v2 + "/memory.events").c_str(), F_OK) == 0) {
      dir_ = v2 + name;
      limit_ = "memory.max";
      counter_ = "memory.events";
    } else {
      why_ = "no memory cgroup controller for this process";
      dir_.clear();
      return;
    }
    if (mkdir(dir_.c_str(), 0755) != 0) {
      why_ = "cannot create " + dir_ + ": " + strerror(errno);
      dir_.clear();
      return;
    }
    if (!write(limit_, "33554432")) why_ = "cannot limit " + dir_;
    // No swap to escape into (v1: memsw, v2: swap.max; absent without swap accounting).
    write("memory.memsw.limit_in_bytes", "33554432");
    write("memory.swap.max", "0");
  }
  ~MemoryCgroup() {
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  const std::string& why_not() const { return why_; }
  bool ok() const { return why_.empty(); }
  std::string procs() const { return dir_ + "/cgroup.procs"; }
  uint64_t oom_kills() const {
    std::ifstream in(dir_ + "/" + counter_);
    std::string key;
    uint64_t v = 0;
    while (in >> key >> v)
      if (key == "oom_kill") return v;
    return 0;
  }

 private:
  bool write(const std::string& file, const std::string& value) const {
    std::ofstream out(dir_ + "/" + file);
    out << value;
    out.flush();
    return static_cast<bool>(out);
  }
  std::string dir_, limit_, counter_, why_;
};

TEST(Oomkill, TheKernelsOomKillsOfACgroup) {
  MemoryCgroup cgroup;
  if (!cgroup.ok()) GTEST_SKIP() << cgroup.why_not();
  Sonde sonde("on oom count by comm as oom_kills");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const uint64_t before = cgroup.oom_kills();
  const std::string procs = cgroup.procs();
  Workload workload("sonde_oom", [procs] {
    std::ofstream(procs) << getpid() << std::flush;
    const size_t size = 256 << 20;
    char* p = static_cast<char*>(
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) return 1;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    return 2;  // not killed: the limit did not hold
  });
  workload.go();
  const int status = workload.wait();
  const uint64_t kills = cgroup.oom_kills() - before;
  const std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  const double ours = sonde_total(body, "oom_kills_total", {"comm=\"sonde_oom\""});
  measured("OOM kills: cgroup " + std::to_string(kills) + ", sonde " + std::to_string(ours));
  ASSERT_EQ(status, -SIGKILL) << "the workload was not OOM-killed";
  EXPECT_EQ(kills, 1u);
  EXPECT_EQ(ours, kills) << body;
}

// oomkill.bt traces kprobe:oom_kill_process (kprobes are off on this kernel).
TEST(Oomkill, AgainstOomkillBt) {
  auto tool = bpftrace_file("/usr/sbin/oomkill.bt");
  if (!tool) GTEST_SKIP() << "/usr/sbin/oomkill.bt is not installed (Debian's bpftrace package)";
  if (!tool->ready("Tracing oom_kill_process")) GTEST_SKIP() << tool->why_not_ready();
  MemoryCgroup cgroup;
  if (!cgroup.ok()) GTEST_SKIP() << cgroup.why_not();
  // Where it attaches: one kill, one line naming the victim.
  const std::string procs = cgroup.procs();
  Workload workload("sonde_oom", [procs] {
    std::ofstream(procs) << getpid() << std::flush;
    const size_t size = 256 << 20;
    char* p = static_cast<char*>(
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; p != MAP_FAILED && i < size; i += 4096) p[i] = 1;
    return 2;
  });
  workload.go();
  workload.wait();
  Exit e = tool->stop();
  EXPECT_NE(e.out.find("sonde_oom"), std::string::npos) << e.out;
}

}  // namespace
}  // namespace sonde::e2e::diff
