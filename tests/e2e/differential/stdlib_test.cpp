// Stdlib definitions against the reference tool that runs here, or against the
// workload's own account where none does:
// - span `sched offcpu` against cpudist -O -p (histograms within one bucket);
// - event `signal` against sigsnoop (every signal of the workload, by number and result);
// - event `exited` and its exit_code, exit_status, exit_signal against what waitpid()
//   reported for each child, and against exitsnoop's EXIT_CODE column;
// - event `page_fault_user` against the faults the workload's getrusage() counted over
//   pages it touched once each, at an address of its own;
// - event `page_cache_add` against the pages of a file the workload read from disk
//   after dropping it from the cache;
// - event `packet_drop` against /proc/net/snmp's Udp NoPorts, for datagrams sent to a
//   loopback port nobody listens on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

TEST(Cpudist, OffCpuTimeOfOneProcessBucketedAlike) {
  // 40 sleeps of 1 to 8 ms, and some spinning between them (preemption).
  Workload workload("sonde_offcpu", [] {
    for (int i = 0; i < 40; ++i) {
      timespec ts{0, (1 + i % 8) * 1000000L};
      nanosleep(&ts, nullptr);
      for (int k = 0; k < 100000; ++k) asm volatile("" ::: "memory");
    }
    return 0;
  });
  const std::string pid = std::to_string(workload.pid());
  auto tool = libbpf_tool("cpudist", {"-O", "-p", pid});
  if (!tool) GTEST_SKIP() << not_installed("cpudist");
  if (!tool->ready("Tracing")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("histogram log2 latency of sched offcpu where pid == " + pid + " as offcpu");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit t = tool->stop();
  ASSERT_EQ(t.code, 0) << t.err;
  auto hists = parse_libbpf_hists(t.out, 1000);
  ASSERT_EQ(hists.size(), 1u) << t.out;
  Cumulative ours = sonde_histogram(body, "offcpu_seconds");
  measured("off-CPU periods: cpudist -O " + std::to_string(hists[0].total()) + ", sonde " +
           std::to_string(ours.count));
  // Most sleeps switch out (one whose timer expired before the task got to sleep does
  // not: 39 of 40 were seen once, by both).
  EXPECT_GE(ours.count, 30) << body;
  EXPECT_EQ(ours.count, hists[0].total()) << t.out << body;
  EXPECT_EQ(within_one_bucket(hists[0].buckets, ours, 1e-9), "");
}

TEST(Sigsnoop, SignalsOfOneProcessCountedAlike) {
  Workload workload("sonde_signals", [] {
    signal(SIGUSR1, [](int) {});
    signal(SIGUSR2, SIG_IGN);
    for (int i = 0; i < 7; ++i) kill(getpid(), SIGUSR1);  // delivered
    for (int i = 0; i < 3; ++i) kill(getpid(), SIGUSR2);  // ignored
    return 0;
  });
  const std::string pid = std::to_string(workload.pid());
  auto tool = libbpf_tool("sigsnoop", {"-p", pid});
  if (!tool) GTEST_SKIP() << not_installed("sigsnoop");
  if (!tool->ready("TIME")) GTEST_SKIP() << tool->why_not_ready();
  // sigsnoop's RESULT column is the tracepoint's errno; `result` says what became of the
  // signal (0 delivered, 1 ignored: TRACE_SIGNAL_*), checked against what the workload did.
  Sonde sonde("on signal where current.pid == " + pid + " count by sig, errno as signals\n" +
              "on signal where current.pid == " + pid + " count by sig, result as outcomes");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit t = tool->stop();
  ASSERT_EQ(t.code, 0) << t.err;
  // TIME PID COMM SIG TPID RESULT
  std::map<std::string, double> theirs, ours;
  for (const auto& row : parse_table(t.out, "TIME")) {
    if (row.size() == 6 && row[1] == pid) theirs[row[3] + "/" + row[5]] += 1;
  }
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.rfind("signals_total{", 0) != 0) continue;
    auto label = [&](const std::string& name) {
      auto at = series.find(name + "=\"") + name.size() + 2;
      return series.substr(at, series.find('"', at) - at);
    };
    ours[label("sig") + "/" + label("errno")] += value;
  }
  auto outcome = [&](const std::string& sig, const std::string& result) {
    return sonde_total(body, "outcomes_total",
                       {"sig=\"" + sig + "\"", "result=\"" + result + "\""});
  };
  measured("signals: sigsnoop " + std::to_string(theirs.size()) + " kinds, sonde " +
           std::to_string(ours.size()));
  EXPECT_EQ(ours, theirs) << t.out << body;
  EXPECT_EQ(ours["10/0"], 7) << body;
  EXPECT_EQ(ours["12/0"], 3) << body;
  EXPECT_EQ(outcome("10", "0"), 7) << body;  // SIGUSR1, delivered
  EXPECT_EQ(outcome("12", "1"), 3) << body;  // SIGUSR2, ignored
}

TEST(Exited, ExitCodesAsWaitReportsThem) {
  // Children that exit with 0..4, and two killed (SIGKILL, SIGTERM); the statuses
  // waitpid() gave, sent back through a pipe.
  int report[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  Workload workload("sonde_exited", [&] {
    close(report[0]);
    std::vector<int> statuses;
    for (int i = 0; i < 7; ++i) {
      pid_t child = fork();
      if (child == 0) {
        if (i == 5) raise(SIGKILL);
        if (i == 6) raise(SIGTERM);
        _exit(i);
      }
      int status = 0;
      if (waitpid(child, &status, 0) != child) return 1;
      statuses.push_back(status);
    }
    ssize_t n = static_cast<ssize_t>(statuses.size() * sizeof(int));
    return write(report[1], statuses.data(), static_cast<size_t>(n)) == n ? 0 : 2;
  });
  close(report[1]);
  auto tool = libbpf_tool("exitsnoop");
  if (!tool) GTEST_SKIP() << not_installed("exitsnoop");
  if (!tool->ready("PCOMM")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde(
      "on exited where comm == \"sonde_exited\" count by exit_code, exit_status, "
      "exit_signal as exits");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  int statuses[7];
  ASSERT_EQ(read(report[0], statuses, sizeof statuses), static_cast<ssize_t>(sizeof statuses));
  close(report[0]);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit t = tool->stop();
  ASSERT_EQ(t.code, 0) << t.err;
  // PCOMM PID PPID TID AGE(s) EXIT_CODE, the last "0", "code N" or "signal N (Name)".
  std::map<std::string, double> theirs;
  for (const auto& row : parse_table(t.out, "PCOMM")) {
    if (row.size() < 6 || row[0] != "sonde_exited") continue;
    std::string status = "0", sig = "0";
    if (row[5] == "code" && row.size() > 6) status = row[6];
    if (row[5] == "signal" && row.size() > 6) sig = row[6];
    theirs[status + "/" + sig] += 1;
  }
  std::map<std::string, double> expected, ours, ours_short;
  for (int s : statuses) {
    expected[std::to_string(s) + "/" + std::to_string(WIFEXITED(s) ? WEXITSTATUS(s) : 0) + "/" +
             std::to_string(WIFSIGNALED(s) ? WTERMSIG(s) : 0)] += 1;
  }
  expected["0/0/0"] += 1;  // the workload itself
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.rfind("exits_total{", 0) != 0) continue;
    auto label = [&](const std::string& name) {
      auto at = series.find(name + "=\"") + name.size() + 2;
      return series.substr(at, series.find('"', at) - at);
    };
    ours[label("exit_code") + "/" + label("exit_status") + "/" + label("exit_signal")] += value;
    ours_short[label("exit_status") + "/" + label("exit_signal")] += value;
  }
  measured("exits: " + std::to_string(expected.size()) + " kinds expected, sonde " +
           std::to_string(ours.size()));
  EXPECT_EQ(ours, expected) << body;
  EXPECT_EQ(ours_short, theirs) << t.out << body;
}

// An address of the workload's own, so that only its touches of the mapping count.
constexpr uintptr_t kMapping = 0x7e5e00000000;
constexpr int kPages = 300;

TEST(Pagefaults, FaultsOfAMappingAsTheProcessCountsThem) {
  int report[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  Workload workload("sonde_faults", [&] {
    close(report[0]);
    auto* p = static_cast<char*>(mmap(reinterpret_cast<void*>(kMapping), kPages * 4096L,
                                      PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    if (p != reinterpret_cast<char*>(kMapping)) return 1;
    madvise(p, kPages * 4096L, MADV_NOHUGEPAGE);  // one fault per page
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    for (int i = 0; i < kPages; ++i) p[i * 4096L] = 1;
    getrusage(RUSAGE_SELF, &after);
    long faults = (after.ru_minflt - before.ru_minflt) + (after.ru_majflt - before.ru_majflt);
    return write(report[1], &faults, sizeof faults) == sizeof faults ? 0 : 2;
  });
  close(report[1]);
  const std::string pid = std::to_string(workload.pid());
  Sonde sonde("on page_fault_user where pid == " + pid +
              " && address >= " + std::to_string(kMapping) + " && address < " +
              std::to_string(kMapping + kPages * 4096UL) + " count as faults");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  long faults = 0;
  ASSERT_EQ(read(report[0], &faults, sizeof faults), static_cast<ssize_t>(sizeof faults));
  close(report[0]);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  const double ours = sonde_total(body, "faults_total");
  measured("page faults on " + std::to_string(kPages) + " pages: getrusage " +
           std::to_string(faults) + ", sonde " + std::to_string(ours));
#ifdef __SANITIZE_ADDRESS__
  // The forked workload is the instrumented test: its shadow memory faults too.
  EXPECT_GE(faults, kPages);
#else
  EXPECT_EQ(faults, kPages);
#endif
  EXPECT_EQ(ours, kPages) << body;
}

TEST(Pagecache, PagesReadFromDiskIntoTheCache) {
  // A file on disk (not tmpfs: its pages are never dropped), written, synced and dropped
  // from the cache; then read whole by the workload.
  const std::string path = "/var/tmp/sonde-diff-cache-" + std::to_string(getpid());
  constexpr int kFilePages = 256;
  {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    std::vector<char> page(4096, 'x');
    for (int i = 0; i < kFilePages; ++i) ASSERT_EQ(write(fd, page.data(), 4096), 4096);
    ASSERT_EQ(fsync(fd), 0);
    ASSERT_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    close(fd);
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  Workload workload("sonde_cache", [&] {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return 1;
    char buf[65536];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    return 0;
  });
  Sonde sonde("on page_cache_add where ino == " + std::to_string(st.st_ino) +
              " sum 1 << order as cached_pages");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  unlink(path.c_str());
  const double ours = sonde_total(body, "cached_pages");
  measured("pages of a " + std::to_string(kFilePages) + "-page file read into the cache: sonde " +
           std::to_string(ours));
  EXPECT_EQ(ours, kFilePages) << body;
}

TEST(Drops, DatagramsToAClosedPortAsTheKernelCountsThem) {
  const int port = free_port();  // nobody listens on it (a race with others is unlikely)
  auto no_ports = [] { return proc_net_snmp("Udp", "NoPorts").value_or(0); };
  const uint64_t outer0 = no_ports();
  Sonde sonde("on packet_drop where reason == SKB_DROP_REASON_NO_SOCKET count as no_socket");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const uint64_t inner0 = no_ports();
  Workload workload("sonde_drops", [port] {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 25; ++i) {
      if (sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) != 1) return 1;
    }
    return 0;
  });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  // The loopback's softirq receives (and drops) a datagram, in a softirq thread maybe
  // after sendto() returned, and counts it in NoPorts just before the drop: wait
  // (bounded) for the 25, then for sonde to have seen as many.
  uint64_t inner1 = 0;
  wait_until([&] {
    inner1 = no_ports();
    return inner1 - inner0 >= 25;
  });
  std::string body;
  wait_until([&] {
    body = sonde.scrape();
    return sonde_total(body, "no_socket_total") >= static_cast<double>(inner1 - inner0);
  });
  EXPECT_EQ(sonde.stop().code, 0);
  const uint64_t outer1 = no_ports();
  const double ours = sonde_total(body, "no_socket_total");
  measured("UDP datagrams to a closed port: 25 sent; NoPorts " + std::to_string(inner1 - inner0) +
           " to " + std::to_string(outer1 - outer0) + ", sonde " + std::to_string(ours));
  EXPECT_GE(inner1 - inner0, 25u);
  // Every NoPorts datagram is a NO_SOCKET drop; TCP segments to closed ports are too.
  EXPECT_GE(ours, static_cast<double>(inner1 - inner0)) << body;
  EXPECT_GE(ours, 25) << body;
}

}  // namespace
}  // namespace sonde::e2e::diff
