// `block rq` (stdlib/block.sonde, examples/biolatency.sonde) against libbpf-tools'
// biolatency -D -F, both bracketed by the disk's own counters (/sys/block/DISK/stat:
// reads, writes, discards and flushes completed). Disk I/O is system-wide (other
// processes, the journal, writeback), so the counts are compared through the bracket:
// the disk's count over a window inside both tools' windows, and over one outside them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOps[] = {"read", "write", "flush", "discard"};

uint64_t of(const DiskStat& s, const std::string& op) {
  if (op == "read") return s.reads;
  if (op == "write") return s.writes;
  if (op == "flush") return s.flushes;
  return s.discards;
}

// biolatency -F titles a histogram "disk = vda flags = Sync-Write": the operation is the
// last word after the flags (its flag names come from older kernels; the low 8 bits of
// cmd_flags, the operation, have not moved since 4.10).
std::string op_of(const std::string& title) {
  auto at = title.find("flags = ");
  if (at == std::string::npos) return "";
  std::string flags = title.substr(at + 8);
  std::string op = flags.substr(flags.rfind('-') == std::string::npos ? 0 : flags.rfind('-') + 1);
  for (const char* known : {"Read", "Write", "Flush", "Discard"})
    if (op == known)
      return std::string(1, static_cast<char>(std::tolower(known[0]))) + op.substr(1);
  return "other";
}

// 25 appends, each made durable with fdatasync: each sends at least one cache flush
// (a PREFLUSH write: the flush is issued at sector 0 and completes at sector 2^64-1).
int appends_with_fdatasync(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 1;
  char block[4096];
  memset(block, 0x5a, sizeof block);
  for (int i = 0; i < 25; ++i) {
    if (pwrite(fd, block, sizeof block, static_cast<off_t>(i) * 4096) != 4096) return 2;
    if (fdatasync(fd) != 0) return 3;
  }
  close(fd);
  // And reads that reach the disk: O_DIRECT bypasses the page cache.
  fd = open(path.c_str(), O_RDONLY | O_DIRECT);
  if (fd < 0) return 4;
  void* buf = nullptr;
  if (posix_memalign(&buf, 4096, 4096) != 0) return 5;
  for (int i = 0; i < 25; ++i)
    if (pread(fd, buf, 4096, static_cast<off_t>(i) * 4096) != 4096) return 6;
  free(buf);
  close(fd);
  return 0;
}

TEST(Biolatency, EveryOperationCountedAsTheDiskCountsIt) {
  const std::string disk = disk_of("/var/tmp");
  if (disk.empty()) GTEST_SKIP() << "/var/tmp is not on a block device";
  std::string cache;
  std::ifstream("/sys/block/" + disk + "/queue/write_cache") >> cache;
  if (cache != "write")  // "write back"; "write through" disks never get flushes
    GTEST_SKIP() << disk << " has a write-through cache: the kernel sends it no flushes";
  const std::string file = "/var/tmp/sonde-diff-bio-" + std::to_string(getpid());

  sync();
  auto p0 = disk_stat(disk);
  ASSERT_TRUE(p0) << "/sys/block/" << disk << "/stat is unreadable";
  auto tool = libbpf_tool("biolatency", {"-D", "-F"});
  if (!tool) GTEST_SKIP() << not_installed("biolatency");
  if (!tool->ready("Tracing block device I/O")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("histogram log2 latency of block rq by disk, op");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  std::string a = sonde.scrape();
  auto p1 = disk_stat(disk);
  Workload workload("sonde_fdatasync", [&] { return appends_with_fdatasync(file); });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  unlink(file.c_str());
  auto p2 = disk_stat(disk);
  std::string b = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0) << sonde.err();
  Exit e = tool->stop();
  auto p3 = disk_stat(disk);
  ASSERT_EQ(e.code, 0) << e.err;

  auto hists = parse_libbpf_hists(e.out, 1000);
  ASSERT_FALSE(hists.empty()) << e.out;
  for (const std::string op : kOps) {
    const uint64_t inner = of(*p2, op) - of(*p1, op), outer = of(*p3, op) - of(*p0, op);
    // The disk also counts as writes the empty preflush requests (fdatasync's "flush
    // the cache" with no data): they never reach the device, the flush request sent in
    // their place does, so no tool sees them issued. One flush serves at least one of
    // them, so the writes issued are at least the writes counted less the flushes.
    const uint64_t lowest =
        op == "write" ? inner - std::min(inner, of(*p2, "flush") - of(*p1, "flush")) : inner;
    std::vector<Bucket> reference;
    for (const auto& h : hists) {
      if (h.title.find("disk = " + disk + " ") != 0 || op_of(h.title) != op) continue;
      reference.insert(reference.end(), h.buckets.begin(), h.buckets.end());
    }
    double tool_count = 0;
    for (const auto& bucket : reference) tool_count += bucket.count;
    const std::string labels = "disk=\"" + disk + "\",op=\"" + op + "\"";
    const Cumulative seen = sonde_histogram(b, "sonde_block_rq_latency_seconds", labels) -
                            sonde_histogram(a, "sonde_block_rq_latency_seconds", labels);
    measured(disk + " " + op + ": disk counted " + std::to_string(inner) + " (inner) to " +
             std::to_string(outer) + " (outer); biolatency " + std::to_string(tool_count) +
             ", sonde " + std::to_string(seen.count));
    EXPECT_GE(seen.count, lowest) << op << ": sonde saw fewer than the disk completed";
    EXPECT_LE(seen.count, outer) << op << ": sonde saw more than the disk completed";
    EXPECT_GE(tool_count, lowest) << op << ": biolatency saw fewer than the disk completed";
    EXPECT_LE(tool_count, outer) << op << ": biolatency saw more than the disk completed";
    // Both see the same requests, but for those completed between the windows.
    const double slack = static_cast<double>(outer - inner);
    EXPECT_LE(std::fabs(seen.count - tool_count), slack)
        << op << ": sonde " << seen.count << ", biolatency " << tool_count;
    EXPECT_EQ(within_one_bucket(reference, seen, 1e-9, slack), "") << op;
  }
  if (HasFailure()) {
    std::string all;
    for (const auto& h : hists) all += "  " + h.title + ": " + std::to_string(h.total()) + "\n";
    ADD_FAILURE() << "biolatency printed:\n" << all << "sonde before:\n" << a << "\nafter:\n" << b;
  }
  // The workload's own count: 25 fdatasyncs, each at least one flush.
  EXPECT_GE(of(*p2, "flush") - of(*p1, "flush"), 25u);
}

// The other block tools here trace what this kernel does not allow (biosnoop: fentry;
// biolatency.bt and biosnoop.bt: kprobes). Where one attaches, it must see as many
// requests on the disk as sonde, within what the disk completed around both windows.
void against_tool(const std::string& name, std::unique_ptr<Reference> tool,
                  const std::string& marker,
                  const std::function<double(const std::string&, const std::string&)>& count) {
  const std::string disk = disk_of("/var/tmp");
  if (disk.empty()) GTEST_SKIP() << "/var/tmp is not on a block device";
  if (!tool) GTEST_SKIP() << name << " is not installed";
  auto p0 = disk_stat(disk);
  if (!tool->ready(marker)) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("histogram log2 latency of block rq by disk");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const std::string a = sonde.scrape();
  auto p1 = disk_stat(disk);
  const std::string file = "/var/tmp/sonde-diff-bio-" + std::to_string(getpid());
  Workload workload("sonde_fdatasync", [&] { return appends_with_fdatasync(file); });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  unlink(file.c_str());
  auto p2 = disk_stat(disk);
  const std::string b = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  auto p3 = disk_stat(disk);
  auto total = [](const DiskStat& d) { return d.reads + d.writes + d.discards + d.flushes; };
  const double slack = static_cast<double>(total(*p3) - total(*p0) - (total(*p2) - total(*p1)));
  const std::string labels = "disk=\"" + disk + "\"";
  const double ours = sonde_histogram(b, "sonde_block_rq_latency_seconds", labels).count -
                      sonde_histogram(a, "sonde_block_rq_latency_seconds", labels).count;
  const double theirs = count(e.out, disk);
  measured(name + ": " + std::to_string(theirs) + " requests, sonde " + std::to_string(ours));
  EXPECT_LE(std::fabs(theirs - ours), slack) << e.out;
}

TEST(Biosnoop, RequestsOfTheDisk) {
  // TIME(s) COMM PID DISK T SECTOR BYTES LAT(ms): one row per request.
  against_tool("biosnoop", libbpf_tool("biosnoop"), "TIME(s)",
               [](const std::string& out, const std::string& disk) {
                 double n = 0;
                 for (const auto& row : parse_table(out, "TIME(s)"))
                   n += std::find(row.begin(), row.end(), disk) != row.end();
                 return n;
               });
}

TEST(Biolatency, AgainstBiolatencyBt) {
  // One histogram of every disk's requests: its total.
  against_tool("/usr/sbin/biolatency.bt", bpftrace_file("/usr/sbin/biolatency.bt"),
               "Tracing block device I/O", [](const std::string& out, const std::string&) {
                 double n = 0;
                 for (const auto& b : parse_bpftrace_hists(out, "usecs")[""]) n += b.count;
                 return n;
               });
}

}  // namespace
}  // namespace sonde::e2e::diff
