// Block I/O sizes (examples/bitesize.sonde) against libbpf-tools' bitesize -c COMM on
// one process writing blocks of known sizes with O_DIRECT.
// bitesize buckets Kbytes (bytes / 1024, slot k = [2^k, 2^(k+1)) KiB), sonde bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

struct Size {
  size_t bytes;
  int writes;
};
constexpr Size kSizes[] = {{4096, 40}, {16384, 20}, {65536, 10}, {262144, 5}};

int writes_of_known_sizes() {
  const std::string path = "/var/tmp/sonde-diff-bites-" + std::to_string(getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  unlink(path.c_str());
  void* buf = nullptr;
  if (fd < 0 || posix_memalign(&buf, 4096, 262144) != 0) return 1;
  memset(buf, 7, 262144);
  off_t at = 0;
  for (const auto& [bytes, writes] : kSizes) {
    for (int i = 0; i < writes; ++i, at += static_cast<off_t>(bytes))
      if (pwrite(fd, buf, bytes, at) != static_cast<ssize_t>(bytes)) return 2;
  }
  close(fd);
  free(buf);
  return 0;
}

TEST(Bitesize, RequestSizesOfOneProcessBucketedAlike) {
  const std::string disk = disk_of("/var/tmp");
  if (disk.empty()) GTEST_SKIP() << "/var/tmp is not on a block device";
  auto tool = libbpf_tool("bitesize", {"-c", "sonde_bites"});
  if (!tool) GTEST_SKIP() << not_installed("bitesize");
  if (!tool->ready("Tracing block device I/O")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde(
      "on tracepoint:block:block_rq_issue where comm == \"sonde_bites\" histogram log2 bytes by "
      "comm");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_bites", writes_of_known_sizes);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;

  std::vector<Bucket> theirs;
  for (const auto& h : parse_libbpf_hists(e.out, 1024))
    if (h.title == "Process Name = sonde_bites")
      theirs.insert(theirs.end(), h.buckets.begin(), h.buckets.end());
  const Cumulative ours =
      sonde_histogram(body, "sonde_block_rq_issue_bytes", "comm=\"sonde_bites\"");
  double their_total = 0;
  for (const auto& b : theirs) their_total += b.count;
  int writes = 0;
  for (const auto& s : kSizes) writes += s.writes;
  measured("requests: workload " + std::to_string(writes) + " writes, bitesize " +
           std::to_string(their_total) + ", sonde " + std::to_string(ours.count));
  // Both see every request the writer issued. They are not one per write: the block
  // layer merges a write with a neighbour now and then, and the filesystem adds its
  // own (a 1 MiB one was seen); but the bytes are at least those written.
  EXPECT_EQ(ours.count, their_total) << e.out << "\n" << body;
  EXPECT_EQ(within_one_bucket(theirs, ours, 1), "");
  double bytes = 0;
  for (const auto& [size, n] : kSizes) bytes += static_cast<double>(size) * n;
  EXPECT_GE(ours.sum, bytes) << body;
}

}  // namespace
}  // namespace sonde::e2e::diff
