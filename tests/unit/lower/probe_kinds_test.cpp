// Each row of the probe kind table (compiler/sema/probe_kinds.h) through resolution and
// lowering on the fixture kernel: one sample probe per kind, with the section, context
// and attach kind it must get. A new row without a sample fails here.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "compiler/sema/probe_kinds.h"
#include "tests/unit/lower/contract_rows.h"
#include "tests/unit/lower/lowering.h"
#include "tests/unit/lower/spec_lines.h"

namespace sonde::lower {
namespace {

struct Sample {
  const char* probe;
  const char* section;
  const char* context;
  const char* kind;  // spec_lines()'s name of the attach kind
};

const std::map<std::string, Sample>& samples() {
  static const std::map<std::string, Sample> kSamples = {
      {"tracepoint",
       {"tracepoint:sched:sched_switch", "tracepoint/sched/sched_switch",
        "struct trace_event_raw_sched_switch___sonde *ctx", "tracepoint"}},
      {"rawtracepoint",
       {"rawtracepoint:sched_switch", "raw_tp/sched_switch", "struct bpf_raw_tracepoint_args *ctx",
        "raw_tracepoint"}},
      {"uprobe", {"uprobe:{SELF}:sonde_lower_probed", "uprobe", "struct pt_regs *ctx", "uprobe"}},
      {"uretprobe",
       {"uretprobe:{SELF}:sonde_lower_probed", "uretprobe", "struct pt_regs *ctx", "uretprobe"}},
      {"usdt", {"usdt:{SELF}:sonde:tock", "usdt", "struct pt_regs *ctx", "usdt"}},
      {"profile", {"profile:hz:99", "perf_event", "struct bpf_perf_event_data *ctx", "perf_event"}},
      {"software",
       {"software:page-faults", "perf_event", "struct bpf_perf_event_data *ctx", "perf_event"}},
      {"hardware",
       {"hardware:cycles", "perf_event", "struct bpf_perf_event_data *ctx", "perf_event"}},
      {"kprobe", {"kprobe:vfs_read", "kprobe/vfs_read", "struct pt_regs *ctx", "kprobe"}},
      {"kretprobe",
       {"kretprobe:vfs_read", "kretprobe/vfs_read", "struct pt_regs *ctx", "kretprobe"}},
      {"fentry", {"fentry:vfs_read", "fentry/vfs_read", "__u64 *ctx", "fentry"}},
      {"fexit", {"fexit:vfs_read", "fexit/vfs_read", "__u64 *ctx", "fexit"}},
  };
  return kSamples;
}

TEST(ProbeKinds, NamesAndAliasesAreUnique) {
  std::set<std::string> spellings;
  for (const auto& k : sema::probe_kinds()) {
    EXPECT_TRUE(spellings.insert(k.name).second) << k.name;
    EXPECT_EQ(sema::find_probe_kind(k.name), &k);
    for (const char* alias : k.aliases) {
      if (!alias) continue;
      EXPECT_TRUE(spellings.insert(alias).second) << alias;
      EXPECT_EQ(sema::canonical_probe_text(std::string(alias) + ":x:y"),
                std::string(k.name) + ":x:y");
    }
  }
  EXPECT_EQ(sema::find_probe_kind("kprob"), nullptr);
}

TEST(ProbeKinds, EveryKindLowersToItsSectionContextAndAttachKind) {
  for (const auto& k : sema::probe_kinds()) {
    auto sample = samples().find(k.name);
    ASSERT_NE(sample, samples().end()) << "add a sample probe of kind " << k.name;
    const Sample& s = sample->second;
    Lowered lowered = lower_on_fixture(with_self(std::string("on ") + s.probe + " count"));
    ASSERT_TRUE(lowered.ok) << s.probe << "\n" << lowered.diagnostics;
    EXPECT_NE(lowered.c_source.find(
                  fmt::format("SEC(\"{}\")\nint sonde_s0_p0({}) {{", s.section, s.context)),
              std::string::npos)
        << s.probe << "\n"
        << lowered.c_source;
    EXPECT_TRUE(has_spec_line(spec_lines(lowered.program),
                              fmt::format("probe sonde_s0_p0 kind={}", s.kind)))
        << s.probe;
  }
}

// Arguments and return values only where the kind has them.
TEST(ProbeKinds, BuiltinsFollowTheRow) {
  for (const auto& k : sema::probe_kinds()) {
    const Sample& s = samples().at(k.name);
    Lowered arg = lower_on_fixture(with_self(std::string("on ") + s.probe + " sum arg1"));
    EXPECT_EQ(arg.ok, k.arg_builtins) << s.probe << "\n" << arg.diagnostics;
    Lowered ret = lower_on_fixture(with_self(std::string("on ") + s.probe + " sum retval"));
    EXPECT_EQ(ret.ok, k.retval) << s.probe << "\n" << ret.diagnostics;
  }
}

// `func`: the name part of each kind's sample, one name in the label's table; an error
// for a kind without one.
TEST(ProbeKinds, FuncNamesTheNamePartOfEveryKindThatHasOne) {
  const std::map<std::string, const char*> expected = {
      {"tracepoint", "sched_switch"},
      {"rawtracepoint", "sched_switch"},
      {"uprobe", "sonde_lower_probed"},
      {"uretprobe", "sonde_lower_probed"},
      {"usdt", "tock"},
      {"profile", nullptr},
      {"software", "page-faults"},
      {"hardware", "cpu-cycles"},
      {"kprobe", "vfs_read"},
      {"kretprobe", "vfs_read"},
      {"fentry", "vfs_read"},
      {"fexit", "vfs_read"},
  };
  for (const auto& k : sema::probe_kinds()) {
    const Sample& s = samples().at(k.name);
    const char* name = expected.at(k.name);
    Lowered l = lower_on_fixture(with_self(std::string("on ") + s.probe + " count by func"));
    EXPECT_EQ(l.ok, name != nullptr) << s.probe << "\n" << l.diagnostics;
    if (!name) {
      EXPECT_NE(l.diagnostics.find("has no function or event name for 'func'"), std::string::npos)
          << l.diagnostics;
      continue;
    }
    ASSERT_EQ(l.program.metrics.size(), 1u) << s.probe;
    const spec::Label& label = l.program.metrics[0].labels.at(0);
    EXPECT_EQ(label.decoder, spec::Decoder::kEnum) << s.probe;
    ASSERT_EQ(label.enum_names.size(), 1u) << s.probe;
    EXPECT_EQ(label.enum_names[0].name, name) << s.probe;
  }
}

}  // namespace
}  // namespace sonde::lower
