// Nothing is left in the kernel, however sonde ends: 50 runs of `sonde run` and
// `sonde-agent` ended by --duration, SIGINT, SIGTERM, SIGKILL and a probe that fails to
// attach after others did. After each run, every program, map and link the process held
// is gone, no sonde object is left that nobody holds, and kernel.bpf_stats_enabled is
// back to what it was (unless another live process is holding it on).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// A tracepoint, a span (LRU start map, three start programs), perf events on every CPU
// with a stack map: each kind of object sonde creates. The kprobe cannot attach here
// (CONFIG_KPROBES is off) and comes last, after the others attached.
const std::string kProgram =
    "on tracepoint:sched:sched_switch count by next_comm\n"
    "histogram log2 latency of sched runq\n"
    "on profile:hz:49 count by kstack\n";
const std::string kFailingProbe = "on kprobe:vfs_read count\n";
constexpr int kRepetitions = 5;

enum class Way { kDuration, kSigint, kSigterm, kSigkill, kFailedAttach };
enum class Tool { kRun, kAgent };

struct Case {
  Tool tool;
  Way way;
};

// Everything `pid` held at any moment until it exits (it fails on its own).
BpfIds held_until_exit(pid_t pid) {
  BpfIds all;
  while (true) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state) || state == "Z" || state == "X") return all;
    BpfIds now = bpf_objects_of(pid);
    all.programs.insert(now.programs.begin(), now.programs.end());
    all.maps.insert(now.maps.begin(), now.maps.end());
    all.links.insert(now.links.begin(), now.links.end());
  }
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  static const char* ways[] = {"Duration", "Sigint", "Sigterm", "Sigkill", "FailedAttach"};
  return std::string(info.param.tool == Tool::kRun ? "Run" : "Agent") +
         ways[static_cast<int>(info.param.way)];
}

class EndsWithoutLeaks : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/sonde-leak-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    std::ofstream(dir_ + "/ok.sonde") << kProgram;
    std::ofstream(dir_ + "/failing.sonde") << kProgram << kFailingProbe;
    if (GetParam().tool == Tool::kAgent) {
      for (const char* name : {"ok", "failing"}) {
        Exit e =
            run_sonde({"build", dir_ + "/" + name + ".sonde", "-o", dir_ + "/" + name + ".bundle"});
        ASSERT_EQ(e.code, 0) << e.err;
      }
    }
    baseline_ = highest_ids();
    stats_before_ = bpf_stats_state().sysctl;
  }
  void TearDown() override { shell("rm -rf '" + dir_ + "'"); }

  std::vector<std::string> argv(Way way) const {
    const bool failing = way == Way::kFailedAttach;
    std::vector<std::string> a;
    if (GetParam().tool == Tool::kRun) {
      a = {sonde_binary(), "run", dir_ + (failing ? "/failing.sonde" : "/ok.sonde"), "--listen",
           "127.0.0.1:0"};
    } else {
      // Not strict, the agent runs what attached: it ends half attached in every way but
      // the last, where --strict makes it give up after the first probes attached.
      a = {build_dir() + "/sonde-agent", dir_ + "/failing.bundle", "--listen", "127.0.0.1:0"};
      if (failing) a.push_back("--strict");
    }
    if (way == Way::kDuration) a.insert(a.end(), {"--duration", "1s"});
    return a;
  }

  // One run, ended `way`; checks what it held is freed.
  void run_once(Way way, int repetition) {
    SCOPED_TRACE("repetition " + std::to_string(repetition));
    Process p(argv(way));
    BpfIds held;
    // Half of the SIGKILLs land at some point of starting, before anything is known.
    const bool early_kill = way == Way::kSigkill && repetition % 2 == 1;
    if (early_kill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(40 * repetition));
    } else if (way == Way::kFailedAttach) {
      held = held_until_exit(p.pid());
    } else {
      ASSERT_TRUE(p.wait_for_stderr("attached", 60s)) << p.err();
      held = bpf_objects_of(p.pid());
      EXPECT_FALSE(held.programs.empty() || held.maps.empty() || held.links.empty())
          << held.to_string();
    }
    switch (way) {
      case Way::kDuration:
        break;
      case Way::kSigint:
        p.signal(SIGINT);
        break;
      case Way::kSigterm:
        p.signal(SIGTERM);
        break;
      case Way::kSigkill:
        p.signal(SIGKILL);
        break;
      case Way::kFailedAttach:
        break;
    }
    Exit e = p.wait(60s);
    if (way == Way::kSigkill) {
      EXPECT_TRUE(e.signal == SIGKILL || (early_kill && e.code == 0))
          << e.code << " " << e.signal << "\n"
          << e.err;
    } else if (way == Way::kFailedAttach) {
      EXPECT_EQ(e.code, 1) << e.err;
      EXPECT_NE(e.err.find("kprobe:vfs_read"), std::string::npos) << e.err;
    } else {
      EXPECT_EQ(e.code, 0) << e.err;
      EXPECT_EQ(e.signal, 0);
    }
    BpfIds left = wait_until_freed(held);
    EXPECT_TRUE(left.empty()) << "left in the kernel: " << left.to_string();
    BpfStatsState stats = bpf_stats_state();
    EXPECT_TRUE(stats.sysctl == stats_before_ || !stats.holders.empty())
        << "kernel.bpf_stats_enabled is " << stats.sysctl << ", was " << stats_before_
        << ", and nobody holds it";
    EXPECT_EQ(stats.holders.count(p.pid()), 0u);
  }

  std::string dir_;
  BpfIds baseline_;
  int stats_before_ = -1;
};

TEST_P(EndsWithoutLeaks, FiveTimes) {
  for (int i = 0; i < kRepetitions; ++i) run_once(GetParam().way, i);
  BpfIds orphans = orphaned_sonde_objects(baseline_);
  EXPECT_TRUE(orphans.empty()) << "sonde objects nobody holds: " << orphans.to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Ways, EndsWithoutLeaks,
    testing::Values(Case{Tool::kRun, Way::kDuration}, Case{Tool::kRun, Way::kSigint},
                    Case{Tool::kRun, Way::kSigterm}, Case{Tool::kRun, Way::kSigkill},
                    Case{Tool::kRun, Way::kFailedAttach}, Case{Tool::kAgent, Way::kDuration},
                    Case{Tool::kAgent, Way::kSigint}, Case{Tool::kAgent, Way::kSigterm},
                    Case{Tool::kAgent, Way::kSigkill}, Case{Tool::kAgent, Way::kFailedAttach}),
    case_name);

}  // namespace
}  // namespace sonde::e2e
