// The relocation BTF as a Session chooses it at load (runtime/session/relocation.h), the
// one path of `sonde run`, the REPL and `sonde-agent`: a subset when the kernel's BTF
// has every type the object's relocations start from, the kernel's whole BTF (read by
// libbpf) when it lacks one; either way the program loads and reads the truth.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include "runtime/bpf/map.h"
#include "runtime/session/relocation.h"
#include "runtime/session/session.h"
#include "tests/unit/btf/btf_test_util.h"

namespace sonde::btf {
namespace {

using test_support::object_path;
using test_support::read_file;
using ::testing::HasSubstr;

class SessionRelocation : public test_support::KernelBtfTest {};

spec::Program program_of(const char* object, const char* function) {
  spec::Program p;
  p.object = read_file(object_path(object));
  spec::Probe probe;
  probe.program = function;
  probe.kind = spec::AttachKind::kTracepoint;
  probe.target = "syscalls:sys_enter_getpid";
  probe.display = "tracepoint:syscalls:sys_enter_getpid";
  p.probes.push_back(probe);
  return p;
}

struct Seen {
  uint64_t calls = 0;
  uint64_t exists = 0;
  uint64_t tgid = 0;
};

// What the program saw of this process so far (zeros before its first getpid).
Seen seen_now(session::Session& s, uint32_t tgid) {
  Seen out;
  auto map = s.object().map("seen");
  EXPECT_TRUE(map) << map.error().message;
  if (!map) return out;
  std::vector<uint8_t> value(map->value_bytes());
  auto found = map->lookup({reinterpret_cast<const uint8_t*>(&tgid), sizeof tgid}, value);
  EXPECT_TRUE(found) << found.error().message;
  if (found && *found) std::memcpy(&out, value.data(), sizeof out);
  return out;
}

// Makes `calls` getpid system calls; returns what the program saw, with `calls` counting
// only those (loading, and this function, call getpid too).
Seen run_getpid(session::Session& s, int calls) {
  const uint32_t tgid = static_cast<uint32_t>(getpid());
  uint64_t before = seen_now(s, tgid).calls;
  for (int i = 0; i < calls; ++i) syscall(SYS_getpid);
  Seen out = seen_now(s, tgid);
  out.calls -= before;
  return out;
}

TEST_F(SessionRelocation, KernelTypesRelocateAgainstASubset) {
  spec::Program p = program_of("session_subset", "on_getpid");
  session::RelocationBtf chosen = session::choose_relocation_btf(p, shared_kernel());
  EXPECT_EQ(chosen.whole_btf_reason, "");
  EXPECT_GT(chosen.subset.size(), 0u);

  session::Options options;
  options.kernel_btf = shared_kernel();
  auto s = session::Session::start(std::move(p), options);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->relocation_btf_size(), chosen.subset.size());
  EXPECT_EQ((*s)->whole_btf_reason(), "");
  Seen seen = run_getpid(**s, 5);
  EXPECT_EQ(seen.calls, 5u);  // this thread's calls: no other thread of ours calls getpid
  EXPECT_EQ(seen.tgid, static_cast<uint64_t>(getpid()));
}

TEST_F(SessionRelocation, TypeTheSubsetLacksFallsBackToTheKernelsBtf) {
  spec::Program p = program_of("session_fallback", "on_getpid");
  // No kernel BTF given: the session maps it itself.
  auto s = session::Session::start(std::move(p), {});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->relocation_btf_size(), 0u);
  EXPECT_EQ((*s)->whole_btf_reason(), "no kernel type named no_such_kernel_type");
  Seen seen = run_getpid(**s, 3);
  EXPECT_EQ(seen.calls, 3u);
  EXPECT_EQ(seen.exists, 0u);  // libbpf looked for it in the kernel's BTF and did not find it
  EXPECT_EQ(seen.tgid, static_cast<uint64_t>(getpid()));
}

TEST_F(SessionRelocation, NoCoReNeedsNoBtf) {
  spec::Program p = program_of("no_core", "count");
  session::RelocationBtf chosen = session::choose_relocation_btf(p, nullptr);
  EXPECT_TRUE(chosen.subset.empty());
  EXPECT_EQ(chosen.whole_btf_reason, "");
}

TEST_F(SessionRelocation, KernelTypeIdsAndBtfTracepointsUseTheWholeBtf) {
  spec::Program ids = program_of("kernel_type_id", "type_id");
  session::RelocationBtf chosen = session::choose_relocation_btf(ids, shared_kernel());
  EXPECT_TRUE(chosen.subset.empty());
  EXPECT_EQ(chosen.whole_btf_reason, "a relocation asks for a kernel type id");

  spec::Program tp_btf = program_of("session_subset", "on_getpid");
  tp_btf.probes[0].kind = spec::AttachKind::kBtfTracepoint;
  tp_btf.probes[0].display = "tp_btf:sys_enter";
  chosen = session::choose_relocation_btf(tp_btf, shared_kernel());
  EXPECT_TRUE(chosen.subset.empty());
  EXPECT_THAT(chosen.whole_btf_reason,
              HasSubstr("attaching tp_btf:sys_enter needs the kernel's BTF"));
}

}  // namespace
}  // namespace sonde::btf
