// CO-RE relocation against the kernel's BTF and against a small relocation blob, the way
// a session hands one over (runtime/session/relocation.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/bpf/attach.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using testing::bytes;
using testing::describe;
using ::testing::HasSubstr;

// Loads `name`, attaches its getpid program, calls getpid, returns `map`'s slots 0 and 1.
std::vector<uint64_t> run(Object& object, const std::string& program, const std::string& map,
                          uint32_t slots) {
  Result<Links> links = attach(object, testing::probe(program, spec::AttachKind::kTracepoint,
                                                      "syscalls:sys_enter_getpid", "getpid"));
  EXPECT_TRUE(links.ok()) << describe(links);
  testing::call_getpid(1);
  Result<Map> m = object.map(map);
  EXPECT_TRUE(m.ok()) << describe(m);
  std::vector<uint64_t> out;
  for (uint32_t i = 0; i < slots; ++i) out.push_back(testing::slot(*m, i));
  return out;
}

TEST(Core, RelocatesAgainstTheKernelBtf) {
  testing::Field tgid = testing::kernel_field("task_struct", "tgid");
  ASSERT_GT(tgid.struct_size, 0u) << "no task_struct.tgid in the kernel BTF";
  Result<Object> object = testing::open_for_this_process("core");
  ASSERT_TRUE(object.ok()) << describe(object);
  ASSERT_TRUE(object->load().ok());
  std::vector<uint64_t> seen = run(*object, "read_tgid", "seen", 2);
  EXPECT_EQ(seen[0], static_cast<uint64_t>(getpid()));
  EXPECT_EQ(seen[1], tgid.bit_offset / 8);
}

TEST(Core, RelocatesAgainstARelocationBlob) {
  testing::Field tgid = testing::kernel_field("task_struct", "tgid");
  ASSERT_GT(tgid.struct_size, 0u);
  std::vector<uint8_t> btf = testing::relocation_blob("task_struct", "tgid", tgid);
  Result<Object> object = testing::open_for_this_process("core", btf);
  ASSERT_TRUE(object.ok()) << describe(object);
  Status loaded = object->load();
  ASSERT_TRUE(loaded.ok()) << describe(loaded);
  std::vector<uint64_t> seen = run(*object, "read_tgid", "seen", 2);
  EXPECT_EQ(seen[0], static_cast<uint64_t>(getpid()));
  EXPECT_EQ(seen[1], tgid.bit_offset / 8);
}

TEST(Core, TheBlobReplacesTheKernelBtf) {
  // The kernel has no such type: only the blob can resolve it, to the blob's offset.
  std::vector<uint8_t> elf = testing::read_object("core_fake");
  Result<Object> without = Object::open(elf, "core_fake");
  ASSERT_TRUE(without.ok()) << describe(without);
  Status failed = without->load();
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message,
              HasSubstr("BPF program 'read_offset': rejected by the BPF verifier"));
  EXPECT_THAT(failed.error().message, HasSubstr("sonde_test_only.second"));
  EXPECT_THAT(failed.error().hint, HasSubstr("does not exist on this kernel"));

  std::vector<uint8_t> btf =
      testing::relocation_blob("sonde_test_only", "second", {.struct_size = 16, .bit_offset = 96});
  Result<Object> with = Object::open(elf, "core_fake", btf);
  ASSERT_TRUE(with.ok()) << describe(with);
  Status loaded = with->load();
  ASSERT_TRUE(loaded.ok()) << describe(loaded);
  EXPECT_EQ(run(*with, "read_offset", "offsets", 1)[0], 12u);
}

TEST(Core, CorruptBlobIsReportedAtLoad) {
  std::vector<uint8_t> junk(32, 0x11);
  Result<Object> object = testing::open_for_this_process("core", junk);
  ASSERT_TRUE(object.ok()) << describe(object);
  Status loaded = object->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("cannot load BPF object 'core'"));
  EXPECT_THAT(loaded.error().message, HasSubstr("target BTF"));
}

}  // namespace
}  // namespace sonde::bpf
