// Btf on the running kernel's BTF, checked against libbpf's reading of the same file.
#include <bpf/btf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/btf.h>

#include <memory>

#include "compiler/kernel/btf.h"
#include "tests/unit/kernel/kernel_btf_fixture.h"

namespace sonde::kernel {
namespace {

using KernelBtf = test_support::KernelBtfTest;

TEST_F(KernelBtf, ValidAndSameTypeCountAsLibbpf) {
  EXPECT_TRUE(btf().validate().ok());
  EXPECT_EQ(btf().type_count(), btf__type_cnt(libbpf()));
}

TEST_F(KernelBtf, TaskStructPidMatchesLibbpf) {
  std::optional<uint32_t> task = btf().find("task_struct", TypeKind::kStruct);
  ASSERT_TRUE(task);
  int libbpf_id = btf__find_by_name_kind(libbpf(), "task_struct", BTF_KIND_STRUCT);
  ASSERT_GT(libbpf_id, 0);
  EXPECT_EQ(*task, static_cast<uint32_t>(libbpf_id));
  EXPECT_EQ(btf().type(*task).size, btf__type_by_id(libbpf(), libbpf_id)->size);

  for (std::string_view name : {"pid", "tgid", "comm", "real_parent", "se", "mm"}) {
    std::optional<Member> ours = btf().find_member(*task, name);
    std::optional<uint32_t> theirs = test_support::libbpf_member_offset(libbpf(), libbpf_id, name);
    ASSERT_TRUE(ours) << name;
    ASSERT_TRUE(theirs) << name;
    EXPECT_EQ(ours->bit_offset, *theirs) << name;
  }
  EXPECT_EQ(btf().type_name(btf().find_member(*task, "pid")->type), "pid_t");
  EXPECT_EQ(btf().type_name(btf().find_member(*task, "comm")->type), "char[16]");
  EXPECT_EQ(btf().type_name(btf().find_member(*task, "real_parent")->type), "struct task_struct *");
}

TEST_F(KernelBtf, MembersOfEveryStructMatchLibbpf) {
  // Every struct and union, every member: name, type, offset, bitfield size.
  int checked = 0;
  for (uint32_t id = 1; id < btf().type_count(); ++id) {
    Type t = btf().type(id);
    if (t.kind != TypeKind::kStruct && t.kind != TypeKind::kUnion) continue;
    const btf_type* lt = btf__type_by_id(libbpf(), id);
    ASSERT_EQ(t.vlen, btf_vlen(lt)) << id;
    std::vector<Member> members = btf().members(id);
    const btf_member* lm = btf_members(lt);
    for (size_t i = 0; i < members.size(); ++i, ++lm) {
      ASSERT_EQ(members[i].name, btf__name_by_offset(libbpf(), lm->name_off)) << id;
      ASSERT_EQ(members[i].type, lm->type) << id;
      ASSERT_EQ(members[i].bit_offset, btf_member_bit_offset(lt, static_cast<uint32_t>(i))) << id;
      ASSERT_EQ(members[i].bitfield_size, btf_member_bitfield_size(lt, static_cast<uint32_t>(i)))
          << id;
    }
    ++checked;
  }
  EXPECT_GT(checked, 10000);
}

TEST_F(KernelBtf, KindsAndNamesMatchLibbpf) {
  for (uint32_t id = 1; id < btf().type_count(); id += 7) {
    const btf_type* lt = btf__type_by_id(libbpf(), id);
    Type t = btf().type(id);
    ASSERT_EQ(t.name, btf__name_by_offset(libbpf(), lt->name_off)) << id;
    ASSERT_NE(t.kind, TypeKind::kUnknown) << id;
    if (btf_is_int(lt)) {
      ASSERT_EQ(t.size, lt->size);
      ASSERT_EQ(t.is_signed, (btf_int_encoding(lt) & BTF_INT_SIGNED) != 0);
    }
  }
}

TEST_F(KernelBtf, EnumConstants) {
  std::optional<EnumConstant> established = btf().find_enum_constant("TCP_ESTABLISHED");
  ASSERT_TRUE(established);
  EXPECT_EQ(established->value, 1);
  EXPECT_EQ(btf().type(established->enum_type).kind, TypeKind::kEnum);
  EXPECT_EQ(btf().find_enum_constant("TCP_NEW_SYN_RECV")->value, 12);
  EXPECT_EQ(btf().find_enum_constant("NO_SUCH_CONSTANT_ANYWHERE"), std::nullopt);
}

TEST_F(KernelBtf, FunctionPointerNames) {
  std::optional<uint32_t> timer = btf().find("timer_list", TypeKind::kStruct);
  ASSERT_TRUE(timer);
  std::optional<Member> function = btf().find_member(*timer, "function");
  ASSERT_TRUE(function);
  EXPECT_EQ(btf().type_name(function->type), "void (*)(struct timer_list *)");
}

TEST_F(KernelBtf, AnonymousMembersMatchLibbpf) {
  // sk_buff's first members sit inside an anonymous union of anonymous structs.
  std::optional<uint32_t> skb = btf().find("sk_buff", TypeKind::kStruct);
  ASSERT_TRUE(skb);
  int libbpf_id = btf__find_by_name_kind(libbpf(), "sk_buff", BTF_KIND_STRUCT);
  for (std::string_view name : {"next", "dev", "tstamp", "len", "protocol", "head"}) {
    std::optional<Member> ours = btf().find_member(*skb, name);
    std::optional<uint32_t> theirs = test_support::libbpf_member_offset(libbpf(), libbpf_id, name);
    ASSERT_TRUE(ours) << name;
    ASSERT_TRUE(theirs) << name;
    EXPECT_EQ(ours->bit_offset, *theirs) << name;
  }
}

TEST_F(KernelBtf, PrefixListing) {
  std::vector<std::string_view> raw =
      btf().names_with_prefix(TypeKind::kStruct, "trace_event_raw_");
  EXPECT_GT(raw.size(), 300u);
  for (std::string_view n : raw) ASSERT_TRUE(n.starts_with("trace_event_raw_")) << n;
  EXPECT_THAT(raw, ::testing::Contains("trace_event_raw_sched_switch"));
}

TEST_F(KernelBtf, FunctionsAndStructsShareNoTable) {
  // A FUNC and a STRUCT may share a name; find() keeps kinds apart.
  std::optional<uint32_t> f = btf().find("schedule", TypeKind::kFunction);
  ASSERT_TRUE(f);
  EXPECT_EQ(btf().type(*f).kind, TypeKind::kFunction);
  EXPECT_EQ(btf().find("schedule", TypeKind::kStruct), std::nullopt);
}

}  // namespace
}  // namespace sonde::kernel
