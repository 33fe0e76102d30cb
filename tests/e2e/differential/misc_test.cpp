// Examples measured against a kernel counter or bpftrace, one workload each:
// - examples/readbytes.sonde against the process's own rchar (/proc/PID/io);
// - examples/mallocsize.sonde (a uprobe) against bpftrace's hist() on the same uprobe;
// - the `func` alias of stdlib/timer.sonde (examples/timers.sonde) against bpftrace's
//   ksym(args->function) on the same tracepoint.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

uint64_t rchar_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  uint64_t v = 0;
  while (in >> key >> v)
    if (key == "rchar:") return v;
  return 0;
}

TEST(Readbytes, BytesReadAsTheKernelCountsThem) {
  int done[2], quit[2];
  // Close-on-exec: sonde, started later, must not hold the ends open.
  ASSERT_EQ(pipe2(done, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(quit, O_CLOEXEC), 0);
  constexpr int kReads = 200;
  constexpr ssize_t kChunk = 65536;
  Workload workload("sonde_reader", [&] {
    close(done[0]);
    close(quit[1]);
    int zero = open("/dev/zero", O_RDONLY);
    static char buf[kChunk];
    for (int i = 0; i < kReads; ++i)
      if (read(zero, buf, sizeof buf) != kChunk) return 1;
    // Stay alive until the test read /proc/PID/io; the last read returns 0 (EOF).
    if (write(done[1], "d", 1) != 1) return 2;
    char c;
    return read(quit[0], &c, 1) == 0 ? 0 : 3;
  });
  close(done[1]);
  close(quit[0]);
  Sonde sonde("on tracepoint:syscalls:sys_exit_read where ret > 0 && pid == " +
              std::to_string(workload.pid()) + " sum ret by comm as read_bytes");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const uint64_t before = rchar_of(workload.pid());
  workload.go();
  char c;
  ASSERT_EQ(read(done[0], &c, 1), 1);
  const uint64_t after = rchar_of(workload.pid());
  const std::string body = sonde.scrape();
  close(quit[1]);
  EXPECT_EQ(workload.wait(), 0);
  close(done[0]);
  EXPECT_EQ(sonde.stop().code, 0);
  const double ours = sonde_total(body, "read_bytes_total", {"comm=\"sonde_reader\""});
  // The workload read kReads chunks, and the one byte of go() (that read returned
  // after sonde attached).
  const double truth = static_cast<double>(kReads * kChunk + 1);
  measured("bytes read: workload " + std::to_string(truth) + ", rchar " +
           std::to_string(after - before) + ", sonde " + std::to_string(ours));
  EXPECT_EQ(static_cast<double>(after - before), truth);
  EXPECT_EQ(ours, truth) << body;
}

TEST(Mallocsize, AllocationSizesAsBpftraceBucketsThem) {
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  if (access(libc.c_str(), R_OK) != 0) GTEST_SKIP() << libc << " is not this machine's libc";
  auto tool = bpftrace(
      "BEGIN { printf(\"ready\\n\"); }\n"
      "uprobe:" +
      libc + ":malloc /comm == \"sonde_malloc\"/ { @h = hist(arg0); }");
  if (!tool) GTEST_SKIP() << "bpftrace is not installed";
  if (!tool->ready("ready")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on uprobe:" + libc +
              ":malloc where comm == \"sonde_malloc\" histogram log2 arg0 by comm as malloc_bytes");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  struct Size {
    size_t bytes;
    int calls;
  };
  static constexpr Size kSizes[] = {{16, 1000}, {100, 500}, {4096, 200}, {1 << 20, 10}};
  // libc's own malloc and free: under AddressSanitizer (build-asan/) a plain malloc() is
  // served by the sanitizer's allocator and never reaches the probed function.
  void* handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(handle, nullptr) << dlerror();
  using Malloc = void* (*)(size_t);
  using Free = void (*)(void*);
  auto libc_malloc = reinterpret_cast<Malloc>(dlsym(handle, "malloc"));
  auto libc_free = reinterpret_cast<Free>(dlsym(handle, "free"));
  ASSERT_TRUE(libc_malloc && libc_free) << dlerror();
  Workload workload("sonde_malloc", [&] {
    for (const auto& [bytes, calls] : kSizes)
      for (int i = 0; i < calls; ++i) {
        void* volatile p = libc_malloc(bytes);
        libc_free(p);
      }
    return 0;
  });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  const std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  auto theirs = parse_bpftrace_hists(e.out, "h")[""];
  const Cumulative ours = sonde_histogram(body, "malloc_bytes", "comm=\"sonde_malloc\"");
  double their_total = 0, calls = 0;
  for (const auto& b : theirs) their_total += b.count;
  for (const auto& s : kSizes) calls += s.calls;
  measured("mallocs: workload " + std::to_string(calls) + ", bpftrace " +
           std::to_string(their_total) + ", sonde " + std::to_string(ours.count));
  EXPECT_EQ(ours.count, their_total) << e.out << body;
  EXPECT_GE(ours.count, calls);
  EXPECT_EQ(within_one_bucket(theirs, ours, 1), "");
}

TEST(Timers, CallbacksOfOneProcessAsBpftraceNamesThem) {
  Workload workload("sonde_timers", [] {
    timespec ms{0, 1'000'000};
    for (int i = 0; i < 100; ++i) nanosleep(&ms, nullptr);
    return 0;
  });
  const std::string pid = std::to_string(workload.pid());
  auto tool = bpftrace(
      "BEGIN { printf(\"ready\\n\"); }\n"
      "tracepoint:timer:hrtimer_start /pid == " +
      pid + "/ { @f[ksym(args->function)] = count(); }");
  if (!tool) GTEST_SKIP() << "bpftrace is not installed";
  if (!tool->ready("ready")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:timer:hrtimer_start where pid == " + pid + " count by ksym(func)");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  const std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  auto theirs = parse_bpftrace_map(e.out, "f");
  std::map<std::string, double> ours;
  for (const auto& [series, value] : parse_exposition(body)) {
    const std::string head = "sonde_hrtimer_start_total{func=\"";
    if (series.rfind(head, 0) == 0)
      ours[series.substr(head.size(), series.size() - head.size() - 2)] += value;
  }
  measured("hrtimer_wakeup: bpftrace " + std::to_string(theirs["hrtimer_wakeup"]) + ", sonde " +
           std::to_string(ours["hrtimer_wakeup"]));
  EXPECT_EQ(ours, theirs) << e.out << body;
  EXPECT_EQ(ours["hrtimer_wakeup"], 100) << "each sleep arms one hrtimer that wakes the sleeper";
}

}  // namespace
}  // namespace sonde::e2e::diff
