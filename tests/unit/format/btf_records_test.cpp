// The BTF layout against the kernel's own BTF (/sys/kernel/btf/vmlinux) and against
// bpftool's count of its types.
#include <gtest/gtest.h>
#include <linux/btf.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "format/btf_records.h"

namespace sonde::format {
namespace {

TEST(BtfRecords, WalkTheKernelsTypesToTheirCount) {
  std::vector<uint8_t> bytes;
  {
    std::unique_ptr<FILE, int (*)(FILE*)> in(fopen("/sys/kernel/btf/vmlinux", "rb"), fclose);
    if (!in) GTEST_SKIP() << "this kernel has no BTF (/sys/kernel/btf/vmlinux)";
    char buffer[65536];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in.get())) > 0)
      bytes.insert(bytes.end(), buffer, buffer + n);
  }
  auto sections = btf_sections(bytes);
  ASSERT_TRUE(sections) << sections.error().message;
  uint32_t records = 0;
  size_t at = 0;
  while (at < sections->types.size()) {
    ASSERT_LE(at + kBtfTypeHeaderSize, sections->types.size());
    uint32_t info;
    std::memcpy(&info, sections->types.data() + at + 4, 4);
    int64_t extra = btf_trailing_bytes(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
    ASSERT_GE(extra, 0) << "unknown kind " << BTF_INFO_KIND(info) << " at " << at;
    at += kBtfTypeHeaderSize + static_cast<size_t>(extra);
    ++records;
  }
  EXPECT_EQ(at, sections->types.size());
  // bpftool lists each of the kernel's types on a line starting "[ID]".
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      popen("bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -c '^\\['", "r"),
      pclose);
  char buffer[64] = {};
  if (!pipe || !fgets(buffer, sizeof buffer, pipe.get())) GTEST_SKIP() << "bpftool gave nothing";
  EXPECT_EQ(std::stoul(buffer), records);
}

TEST(BtfRecords, HeadersThatLieAreErrors) {
  std::vector<uint8_t> junk(64, 0xab);
  auto bad = btf_sections(junk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "not BTF: magic 0xabab");
  btf_header h{};
  h.magic = BTF_MAGIC;
  h.version = BTF_VERSION;
  h.hdr_len = sizeof h;
  h.type_len = 1000;  // more than there is
  h.str_len = 1;
  std::vector<uint8_t> bytes(sizeof h + 8, 0);
  std::memcpy(bytes.data(), &h, sizeof h);
  auto overrun = btf_sections(bytes);
  ASSERT_FALSE(overrun);
  EXPECT_EQ(overrun.error().message.rfind("corrupt BTF: sections", 0), 0u)
      << overrun.error().message;
  EXPECT_EQ(btf_trailing_bytes(31, 0), -1);
  EXPECT_EQ(btf_trailing_bytes(BTF_KIND_STRUCT, 3), 3 * 12);
}

}  // namespace
}  // namespace sonde::format
