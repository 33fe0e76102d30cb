// After everything is destroyed, nothing of ours is left in the kernel.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "runtime/bpf/attach.h"
#include "tests/unit/bpf/kernel_objects.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using testing::describe;

std::set<uint32_t> live(const std::set<uint32_t>& ids) {
  std::set<uint32_t> out;
  Result<std::vector<KernelProgram>> programs = kernel_programs();
  EXPECT_TRUE(programs.ok()) << describe(programs);
  for (const KernelProgram& p : *programs) {
    if (ids.count(p.id)) out.insert(p.id);
  }
  return out;
}

size_t links_of(const std::set<uint32_t>& ids) {
  Result<std::vector<KernelLink>> links = kernel_links();
  EXPECT_TRUE(links.ok()) << describe(links);
  size_t n = 0;
  for (const KernelLink& l : *links) n += ids.count(l.program_id);
  return n;
}

// The kernel frees a link's program after an RCU grace period (raw tracepoint and uprobe
// links defer their release), so the objects go a moment after the last close: wait for
// it, up to 10 s.
bool gone(const std::set<uint32_t>& ids) {
  for (int i = 0; i < 1000; ++i) {
    if (live(ids).empty() && links_of(ids) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Leak, NothingIsLeftAfterDestroy) {
  std::set<uint32_t> ids;
  {
    Result<Object> object = testing::open_for_this_process("counter");
    ASSERT_TRUE(object.ok()) << describe(object);
    ASSERT_TRUE(object->load().ok());
    for (const std::string& name : object->program_names()) {
      Result<ProgramStats> stats = object->stats(name);
      ASSERT_TRUE(stats.ok()) << describe(stats);
      ids.insert(stats->id);
    }
    spec::Probe profile =
        testing::probe("on_perf_event", spec::AttachKind::kPerfEvent, "", "profile:hz:99");
    profile.perf_type = 1;    // PERF_TYPE_SOFTWARE
    profile.perf_config = 0;  // PERF_COUNT_SW_CPU_CLOCK
    profile.sample_freq = 99;
    spec::Probe up = testing::probe("on_uprobe", spec::AttachKind::kUprobe, "main", "uprobe");
    up.path = testing::self_exe();
    std::vector<spec::Probe> probes = {
        testing::probe("on_tracepoint", spec::AttachKind::kTracepoint, "syscalls:sys_enter_getpid",
                       "tp"),
        testing::probe("on_raw_tracepoint", spec::AttachKind::kRawTracepoint, "sys_enter", "raw"),
        testing::probe("on_btf_tracepoint", spec::AttachKind::kBtfTracepoint, "sys_enter", "btf"),
        profile, up};
    Result<Links> links = attach_all(*object, probes);
    ASSERT_TRUE(links.ok()) << describe(links);
    EXPECT_EQ(live(ids).size(), object->program_names().size());
    EXPECT_GE(links_of(ids), probes.size());
    // Links keep the whole object alive after the Object handle is gone.
    { Object dropped = std::move(*object); }
    EXPECT_EQ(live(ids).size(), ids.size());
    testing::call_getpid(1);
  }
  EXPECT_TRUE(gone(ids)) << live(ids).size() << " programs and " << links_of(ids) << " links left";
}

}  // namespace
}  // namespace sonde::bpf
