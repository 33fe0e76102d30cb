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
  // examples/bitesize.sonde, and the bytes of every write request whoever issued it (a
  // worker issues some for the writer).
  Sonde sonde(
      "on tracepoint:block:block_rq_issue histogram log2 bytes by comm\n"
      "on tracepoint:block:block_rq_issue where startswith(rwbs, \"W\") sum bytes as written");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const double written_before = sonde_total(sonde.scrape(), "written_total");
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
  const double written = sonde_total(body, "written_total") - written_before;
  double their_total = 0;
  for (const auto& b : theirs) their_total += b.count;
  int writes = 0;
  double bytes = 0;
  for (const auto& [size, n] : kSizes) {
    writes += n;
    bytes += static_cast<double>(size) * n;
  }
  measured("requests: workload " + std::to_string(writes) + " writes, issued by the writer " +
           "itself: bitesize " + std::to_string(their_total) + ", sonde " +
           std::to_string(ours.count) + "; write requests by anyone in the window: sonde " +
           std::to_string(written) + " bytes, the writer wrote " + std::to_string(bytes));
  // Both tools name a request after the task that issues it: mostly the writer, but the
  // block layer dispatches some from a worker (more often with a scheduler such as
  // mq-deadline), and merges a write with a neighbour or adds the filesystem's own now
  // and then. So the writer's requests are not one per write, but both tools must see
  // the same ones.
  ASSERT_GT(ours.count, 0) << "the writer issued none of its requests itself: nothing to compare\n"
                           << body;
  EXPECT_EQ(ours.count, their_total) << e.out << "\n" << body;
  EXPECT_EQ(within_one_bucket(theirs, ours, 1), "");
  // Whoever issued them, every byte written went to the disk in the window (O_DIRECT
  // writes return after their requests complete).
  EXPECT_GE(written, bytes) << body;
}

}  // namespace
}  // namespace sonde::e2e::diff
