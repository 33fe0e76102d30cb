// Tracepoint record structs and BTF tracepoint arguments on the running kernel.
#include "compiler/kernel/tracepoint_btf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/kernel/kernel_btf_fixture.h"

namespace sonde::kernel {
namespace {

class TracepointBtf : public test_support::KernelBtfTest {
 protected:
  TracepointFormat format(std::string_view category, std::string_view name) {
    Result<TracepointFormat> f = read_tracepoint_format(category, name);
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return f.ok() ? *f : TracepointFormat{};
  }
  std::string_view record_name(const TracepointFormat& f) {
    std::optional<uint32_t> id = tracepoint_record_struct(btf(), f);
    return id ? btf().type(*id).name : "<none>";
  }
};

TEST_F(TracepointBtf, OwnStruct) {
  TracepointFormat f = format("timer", "timer_start");
  std::optional<uint32_t> id = tracepoint_record_struct(btf(), f);
  ASSERT_TRUE(id);
  EXPECT_EQ(btf().type(*id).name, "trace_event_raw_timer_start");
  std::optional<Member> function = tracepoint_record_member(btf(), *id, *f.field("function"));
  ASSERT_TRUE(function);
  EXPECT_EQ(function->bit_offset, 16u * 8);
  EXPECT_EQ(btf().type(btf().resolve(function->type)).kind, TypeKind::kPointer);
}

TEST_F(TracepointBtf, ClassStruct) {
  // DEFINE_EVENT(sched_wakeup_template, sched_wakeup, ...): no struct of its own.
  EXPECT_EQ(btf().find("trace_event_raw_sched_wakeup", TypeKind::kStruct), std::nullopt);
  EXPECT_EQ(record_name(format("sched", "sched_wakeup")), "trace_event_raw_sched_wakeup_template");
  EXPECT_EQ(record_name(format("sched", "sched_wakeup_new")),
            "trace_event_raw_sched_wakeup_template");
  EXPECT_EQ(record_name(format("sched", "sched_switch")), "trace_event_raw_sched_switch");
}

TEST_F(TracepointBtf, DataLocMember) {
  TracepointFormat f = format("block", "block_rq_issue");
  std::optional<uint32_t> id = tracepoint_record_struct(btf(), f);
  ASSERT_TRUE(id);
  EXPECT_EQ(btf().type(*id).name, "trace_event_raw_block_rq");
  std::optional<Member> cmd = tracepoint_record_member(btf(), *id, *f.field("cmd"));
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->name, "__data_loc_cmd");
  EXPECT_EQ(cmd->bit_offset, f.field("cmd")->offset * 8);
  Type u32 = btf().type(btf().resolve(cmd->type));
  EXPECT_EQ(u32.kind, TypeKind::kInt);
  EXPECT_EQ(u32.size, 4u);
  std::optional<Member> dev = tracepoint_record_member(btf(), *id, *f.field("dev"));
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->bit_offset, 8u * 8);
}

TEST_F(TracepointBtf, NoStructForAMadeUpFormat) {
  TracepointFormat f = format("timer", "timer_start");
  f.name = "not_an_event";
  f.fields.back().offset += 1;  // no class has this layout
  EXPECT_EQ(tracepoint_record_struct(btf(), f), std::nullopt);
}

TEST_F(TracepointBtf, EveryEventHasARecordStruct) {
  // Except ftrace's own events and the syscalls (their records are the generic
  // syscall_trace_enter/exit, which name no arguments). Each matched struct agrees
  // with its format field by field.
  Result<std::vector<TracepointName>> all = list_tracepoints();
  ASSERT_TRUE(all.ok());
  size_t matched = 0;
  for (const TracepointName& t : *all) {
    if (t.category == "ftrace" || t.category == "syscalls") continue;
    Result<TracepointFormat> f = read_tracepoint_format(t.category, t.name);
    ASSERT_TRUE(f.ok()) << t.category << ":" << t.name << ": " << f.error().message;
    std::optional<uint32_t> id = tracepoint_record_struct(btf(), *f);
    EXPECT_TRUE(id) << t.category << ":" << t.name;
    if (!id) continue;
    ++matched;
    for (const TracepointField& field : f->fields) {
      if (field.common) continue;
      std::optional<Member> m = tracepoint_record_member(btf(), *id, field);
      ASSERT_TRUE(m) << t.category << ":" << t.name << " " << field.name;
      ASSERT_EQ(m->bit_offset, field.offset * 8) << t.category << ":" << t.name;
    }
  }
  EXPECT_GT(matched, 1000u);
}

TEST_F(TracepointBtf, SchedSwitchParams) {
  std::optional<std::vector<Param>> params = btf_tracepoint_params(btf(), "sched_switch");
  ASSERT_TRUE(params);
  ASSERT_EQ(params->size(), 4u);
  EXPECT_EQ((*params)[0].name, "preempt");
  EXPECT_EQ(btf().type_name((*params)[0].type), "bool");
  EXPECT_EQ((*params)[1].name, "prev");
  EXPECT_EQ(btf().type_name((*params)[1].type), "struct task_struct *");
  EXPECT_EQ((*params)[2].name, "next");
  EXPECT_EQ((*params)[3].name, "prev_state");
  EXPECT_EQ(btf().type_name((*params)[3].type), "unsigned int");
}

TEST_F(TracepointBtf, ClassParamsAreNamed) {
  // sched_wakeup's arguments are named by __probestub_sched_wakeup.
  std::optional<std::vector<Param>> params = btf_tracepoint_params(btf(), "sched_wakeup");
  ASSERT_TRUE(params);
  ASSERT_EQ(params->size(), 1u);
  EXPECT_EQ((*params)[0].name, "p");
  EXPECT_EQ(btf().type_name((*params)[0].type), "struct task_struct *");

  std::optional<std::vector<Param>> timer = btf_tracepoint_params(btf(), "timer_start");
  ASSERT_TRUE(timer);
  ASSERT_GE(timer->size(), 1u);
  EXPECT_EQ((*timer)[0].name, "timer");
  EXPECT_EQ(btf().type_name((*timer)[0].type), "struct timer_list *");
}

TEST_F(TracepointBtf, UnknownBtfTracepoint) {
  EXPECT_EQ(btf_tracepoint_params(btf(), "no_such_tracepoint"), std::nullopt);
}

}  // namespace
}  // namespace sonde::kernel
