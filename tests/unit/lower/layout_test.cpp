// Lowering's layout step alone (compiler/lower/layout.h): key slots, value sizes, labels
// and probes of checked statements on the fixture kernel, with no C written or compiled.
#include "compiler/lower/layout.h"

#include <gtest/gtest.h>

#include "tests/unit/lower/contract_rows.h"
#include "tests/unit/lower/lowering.h"

namespace sonde::lower {
namespace {

// The layout of the first statement of `source`.
StatementLayout first(const std::string& source) {
  Checked checked = check_on_fixture(with_self(source));
  EXPECT_FALSE(checked.has_errors) << checked.diagnostics;
  if (checked.program.statements.empty()) return {};
  return layout_statement(checked.program.statements[0], 3, 1, 500);
}

TEST(Layout, KeySlotsAreEightByteAlignedAndThePidComesLast) {
  StatementLayout l =
      first("on uprobe:{SELF}:sonde_lower_probed count by comm, s32(arg0), usym(arg1)");
  ASSERT_EQ(l.key.size(), 3u);
  EXPECT_EQ(l.key[0].field, "k0");
  EXPECT_TRUE(l.key[0].text);
  EXPECT_EQ(l.key[0].offset, 0u);
  EXPECT_EQ(l.key[0].size, 16u);
  EXPECT_EQ(l.key[0].slot_size, 16u);
  EXPECT_FALSE(l.key[1].text);
  EXPECT_TRUE(l.key[1].is_signed);
  EXPECT_EQ(l.key[1].offset, 16u);
  EXPECT_EQ(l.key[1].size, 8u);
  EXPECT_EQ(l.key[2].offset, 24u);
  EXPECT_TRUE(l.key_pid);
  const spec::Metric& m = l.metric;
  EXPECT_TRUE(m.keyed);
  EXPECT_EQ(m.key_size, 40u);  // three slots and the tgid
  ASSERT_EQ(m.labels.size(), 3u);
  EXPECT_EQ(m.labels[0].decoder, spec::Decoder::kString);
  EXPECT_EQ(m.labels[1].decoder, spec::Decoder::kSigned);
  EXPECT_EQ(m.labels[2].decoder, spec::Decoder::kUsym);
  EXPECT_EQ(m.labels[2].pid_offset, 32);
  EXPECT_EQ(m.labels[2].binary, self_path());
  EXPECT_EQ(m.drop_index, 3u);
  EXPECT_EQ(m.map, "sonde_m0");
}

TEST(Layout, WithoutLabelsAMetricIsOneSlot) {
  StatementLayout l = first("on tracepoint:sched:sched_switch count");
  EXPECT_TRUE(l.key.empty());
  EXPECT_FALSE(l.metric.keyed);
  EXPECT_EQ(l.metric.key_size, 4u);
  EXPECT_EQ(l.metric.max_entries, 1u);
  EXPECT_EQ(l.metric.value_size, 8u);
  ASSERT_EQ(l.probes.size(), 1u);
  EXPECT_EQ(l.probes[0].program, "sonde_s0_p0");
  EXPECT_EQ(l.probes[0].kind, spec::AttachKind::kTracepoint);
  EXPECT_EQ(l.probes[0].target, "sched:sched_switch");
}

TEST(Layout, HistogramValuesHoldTheHeadAndOneSlotPerBucket) {
  StatementLayout l =
      first("on tracepoint:sched:sched_switch histogram buckets(1, 10, 100) prev_pid by cpu");
  EXPECT_EQ(l.bucket_count, 4u);
  EXPECT_EQ(l.metric.value_size, 16u + 8u * 4u);
  EXPECT_EQ(l.metric.bounds, (std::vector<int64_t>{1, 10, 100}));
  EXPECT_EQ(l.metric.max_entries, 10240u);
}

TEST(Layout, StacksHaveTheirMap) {
  StatementLayout l = first("on profile:hz:99 count by kstack");
  EXPECT_TRUE(l.stacks);
  ASSERT_EQ(l.metric.labels.size(), 1u);
  EXPECT_EQ(l.metric.labels[0].aux_map, "sonde_sk0");
  EXPECT_EQ(l.probes[0].kind, spec::AttachKind::kPerfEvent);
}

TEST(Layout, SpansKeepTheirKeyAndTheLabelsOfTheStart) {
  StatementLayout l = first(
      "span t wake {\n"
      "  start tracepoint:sched:sched_wakeup key pid\n"
      "  end tracepoint:sched:sched_switch key next_pid\n"
      "  label target = target_cpu\n"
      "}\n"
      "max latency of t wake by target, next_comm");
  ASSERT_TRUE(l.span);
  EXPECT_EQ(l.span->start_map, "sonde_st0");
  EXPECT_EQ(l.span->stats_index, 1u);
  EXPECT_EQ(l.span->max_entries, 500u);
  ASSERT_EQ(l.span_key.size(), 1u);
  EXPECT_EQ(l.span_key[0].size, 8u);
  ASSERT_EQ(l.start_values.size(), 1u);
  EXPECT_EQ(l.start_values[0].field, "l0");
  EXPECT_TRUE(l.start_values[0].is_signed);
  ASSERT_EQ(l.key.size(), 2u);
  EXPECT_TRUE(l.key[1].text);
  EXPECT_EQ(l.metric.value_size, 32u);  // struct sonde_minmax
  EXPECT_FALSE(l.metric.value_signed);
  ASSERT_EQ(l.probes.size(), 2u);
  EXPECT_EQ(l.probes[0].program, "sonde_s0_a0");
  EXPECT_EQ(l.probes[1].program, "sonde_s0_b0");
}

// docs/churn.md: series of processes and threads end by default; others stay unless
// the statement says `ttl`; a `ttl` clause is marked so that --series-ttl leaves it alone.
TEST(Layout, SeriesOfProcessesExpireByDefault) {
  for (const char* key : {"pid", "tid", "comm", "cpu, comm"}) {
    StatementLayout l = first(std::string("on tracepoint:sched:sched_switch count by ") + key);
    EXPECT_EQ(l.metric.ttl_ns, kProcessSeriesTtlNs) << key;
    EXPECT_FALSE(l.metric.ttl_from_statement) << key;
  }
  EXPECT_EQ(first("on tracepoint:sched:sched_switch count by cpu").metric.ttl_ns, 0u);
  EXPECT_EQ(first("on tracepoint:sched:sched_switch count").metric.ttl_ns, 0u);
  StatementLayout stated = first("on tracepoint:sched:sched_switch count by cpu ttl 30s");
  EXPECT_EQ(stated.metric.ttl_ns, 30'000'000'000u);
  EXPECT_TRUE(stated.metric.ttl_from_statement);
  StatementLayout forever = first("on tracepoint:sched:sched_switch count by pid ttl 0");
  EXPECT_EQ(forever.metric.ttl_ns, 0u);
  EXPECT_TRUE(forever.metric.ttl_from_statement);
}

// `probe` is a constant per program, named by the label's table: one name per program,
// in the order of the programs (and so of the probes they attach to).
TEST(Layout, ProbeNamesTheProgramThatFired) {
  StatementLayout l = first("on tracepoint:syscalls:sys_enter_getp* count by probe");
  ASSERT_EQ(l.probes.size(), 3u);  // getpgid, getpid, getppid in the fixture
  ASSERT_EQ(l.metric.labels.size(), 1u);
  const spec::Label& label = l.metric.labels[0];
  EXPECT_EQ(label.name, "probe");
  EXPECT_EQ(label.decoder, spec::Decoder::kEnum);
  ASSERT_EQ(label.enum_names.size(), l.probes.size());
  for (size_t i = 0; i < l.probes.size(); ++i) {
    EXPECT_EQ(label.enum_names[i].value, static_cast<int64_t>(i));
    EXPECT_EQ(label.enum_names[i].name, l.probes[i].display);
    EXPECT_EQ(label.enum_names[i].name, "tracepoint:syscalls:" + l.probes[i].target.substr(9));
  }
}

// A span's `probe` is its end's (the statement's labels are computed there).
TEST(Layout, ProbeOfASpanIsItsEnd) {
  StatementLayout l = first(
      "span t io {\n"
      "  start tracepoint:syscalls:sys_enter_read key tid\n"
      "  start tracepoint:syscalls:sys_enter_write key tid\n"
      "  end tracepoint:syscalls:sys_exit_read key tid\n"
      "  end tracepoint:syscalls:sys_exit_write key tid\n"
      "}\n"
      "count latency of t io by probe");
  ASSERT_EQ(l.metric.labels.size(), 1u);
  const auto& names = l.metric.labels[0].enum_names;
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].name, "tracepoint:syscalls:sys_exit_read");
  EXPECT_EQ(names[1].name, "tracepoint:syscalls:sys_exit_write");
}

// `func` shares the mechanism: a constant per program naming the function or event part
// of its probe (a tracepoint's event name), from the label's table.
TEST(Layout, FuncNamesTheEventOfTheProgramThatFired) {
  StatementLayout l = first("on tracepoint:syscalls:sys_enter_getp* count by func");
  ASSERT_EQ(l.probes.size(), 3u);
  ASSERT_EQ(l.metric.labels.size(), 1u);
  const spec::Label& label = l.metric.labels[0];
  EXPECT_EQ(label.name, "func");
  EXPECT_EQ(label.decoder, spec::Decoder::kEnum);
  ASSERT_EQ(label.enum_names.size(), l.probes.size());
  for (size_t i = 0; i < l.probes.size(); ++i) {
    EXPECT_EQ(label.enum_names[i].value, static_cast<int64_t>(i));
    // The target is "syscalls:sys_enter_getpid": the event after the category.
    EXPECT_EQ(label.enum_names[i].name, l.probes[i].target.substr(9));
  }
}

// Probes with the same function share its name's value: one series, not two rows that
// read alike. `probe` still tells them apart.
TEST(Layout, ProbesOfOneFunctionShareItsFuncValue) {
  StatementLayout l = first(
      "span t call {\n"
      "  start uprobe:{SELF}:sonde_lower_probed key tid\n"
      "  end uretprobe:{SELF}:sonde_lower_probed key tid\n"
      "  end uprobe:{SELF}:sonde_lower_probed key tid\n"
      "}\n"
      "count latency of t call by func, probe");
  ASSERT_EQ(l.metric.labels.size(), 2u);
  const auto& funcs = l.metric.labels[0].enum_names;
  ASSERT_EQ(funcs.size(), 1u);
  EXPECT_EQ(funcs[0].name, "sonde_lower_probed");
  EXPECT_EQ(l.metric.labels[1].enum_names.size(), 2u);
}

}  // namespace
}  // namespace sonde::lower
