#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "compiler/kernel/tracefs.h"
#include "tests/unit/kernel/format_samples.h"

namespace sonde::kernel {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::SizeIs;

MATCHER_P2(Symbol, value, name, "") { return arg.value == value && arg.name == name; }

TracepointFormat parse(std::string_view category, std::string_view name, std::string_view text,
                       const ConstantResolver& resolve = {}) {
  Result<TracepointFormat> f = parse_tracepoint_format(category, name, text, resolve);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
  return f.ok() ? *f : TracepointFormat{};
}

TEST(TracepointFormat, CommonFieldsComeFirst) {
  TracepointFormat f = parse("sched", "sched_switch", samples::kSchedSwitch);
  EXPECT_EQ(f.id, 372u);
  EXPECT_EQ(f.category, "sched");
  EXPECT_EQ(f.name, "sched_switch");
  ASSERT_THAT(f.fields, SizeIs(11));
  EXPECT_EQ(f.fields[0].name, "common_type");
  EXPECT_TRUE(f.fields[0].common);
  EXPECT_EQ(f.fields[3].name, "common_pid");
  EXPECT_TRUE(f.fields[3].is_signed);
  EXPECT_FALSE(f.fields[4].common);
}

TEST(TracepointFormat, FieldKinds) {
  TracepointFormat f = parse("sched", "sched_switch", samples::kSchedSwitch);
  const TracepointField* comm = f.field("prev_comm");
  ASSERT_NE(comm, nullptr);
  EXPECT_EQ(comm->kind, FieldKind::kCharArray);
  EXPECT_EQ(comm->c_type, "char[16]");
  EXPECT_EQ(comm->array_len, 16u);
  EXPECT_EQ(comm->offset, 8u);
  EXPECT_EQ(comm->size, 16u);

  const TracepointField* pid = f.field("next_pid");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(pid->kind, FieldKind::kInteger);
  EXPECT_EQ(pid->c_type, "pid_t");
  EXPECT_EQ(pid->offset, 56u);
  EXPECT_EQ(pid->size, 4u);
  EXPECT_TRUE(pid->is_signed);
  EXPECT_EQ(f.field("nope"), nullptr);
}

TEST(TracepointFormat, PointersAndByteArrays) {
  TracepointFormat f = parse("sock", "inet_sock_set_state", samples::kInetSockSetState);
  const TracepointField* skaddr = f.field("skaddr");
  ASSERT_NE(skaddr, nullptr);
  EXPECT_EQ(skaddr->kind, FieldKind::kPointer);
  EXPECT_EQ(skaddr->c_type, "const void *");
  EXPECT_EQ(skaddr->size, 8u);

  const TracepointField* saddr = f.field("saddr");
  ASSERT_NE(saddr, nullptr);
  EXPECT_EQ(saddr->kind, FieldKind::kArray);
  EXPECT_EQ(saddr->c_type, "__u8[4]");
  EXPECT_EQ(saddr->array_len, 4u);
  EXPECT_EQ(saddr->element_size, 1u);

  const TracepointField* v6 = f.field("daddr_v6");
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->kind, FieldKind::kArray);
  EXPECT_EQ(v6->array_len, 16u);
  EXPECT_EQ(v6->offset, 56u);
}

TEST(TracepointFormat, DataLoc) {
  TracepointFormat f = parse("block", "block_rq_issue", samples::kBlockRqIssue);
  const TracepointField* cmd = f.field("cmd");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->kind, FieldKind::kDataLoc);
  EXPECT_EQ(cmd->c_type, "__data_loc char[]");
  EXPECT_EQ(cmd->offset, 60u);
  EXPECT_EQ(cmd->size, 4u);
  EXPECT_FALSE(cmd->relative_loc);

  TracepointFormat dma = parse("dma", "dma_alloc_sgt", samples::kDmaAllocSgt);
  const TracepointField* phys = dma.field("phys_addrs");
  ASSERT_NE(phys, nullptr);
  EXPECT_EQ(phys->kind, FieldKind::kDataLocArray);
  EXPECT_EQ(phys->c_type, "__data_loc u64[]");
  EXPECT_EQ(dma.field("device")->kind, FieldKind::kDataLoc);
  EXPECT_EQ(dma.field("dir")->c_type, "enum dma_data_direction");
  EXPECT_EQ(dma.field("dir")->kind, FieldKind::kInteger);
}

TEST(TracepointFormat, FlexibleArray) {
  TracepointFormat f = parse("ftrace", "print", samples::kFtracePrint);
  const TracepointField* buf = f.field("buf");
  ASSERT_NE(buf, nullptr);
  EXPECT_EQ(buf->kind, FieldKind::kCharArray);
  EXPECT_EQ(buf->c_type, "char[]");
  EXPECT_EQ(buf->array_len, 0u);
  EXPECT_EQ(buf->size, 0u);
}

TEST(TracepointFormat, SymbolicTables) {
  TracepointFormat f = parse("sock", "inet_sock_set_state", samples::kInetSockSetState);
  const TracepointField* newstate = f.field("newstate");
  ASSERT_NE(newstate, nullptr);
  ASSERT_THAT(newstate->symbols, SizeIs(12));
  EXPECT_THAT(newstate->symbols[0], Symbol(1, "TCP_ESTABLISHED"));
  EXPECT_THAT(newstate->symbols[11], Symbol(12, "TCP_NEW_SYN_RECV"));
  EXPECT_THAT(f.field("oldstate")->symbols, SizeIs(12));
  EXPECT_THAT(f.field("family")->symbols,
              ElementsAre(Symbol(2, "AF_INET"), Symbol(10, "AF_INET6")));
  EXPECT_THAT(f.field("protocol")->symbols,
              ElementsAre(Symbol(6, "IPPROTO_TCP"), Symbol(132, "IPPROTO_SCTP"),
                          Symbol(262, "IPPROTO_MPTCP")));
  EXPECT_THAT(f.field("sport")->symbols, IsEmpty());
  EXPECT_THAT(newstate->flags, IsEmpty());
}

TEST(TracepointFormat, FlagsUnderMaskAndTernary) {
  // sched_switch: __print_flags(REC->prev_state & (mask), "|", { 0x00000001, "S" }, ...)
  // inside a ternary, with nested parentheses.
  TracepointFormat f = parse("sched", "sched_switch", samples::kSchedSwitch);
  const TracepointField* state = f.field("prev_state");
  ASSERT_NE(state, nullptr);
  ASSERT_THAT(state->flags, SizeIs(8));
  EXPECT_THAT(state->flags[0], Symbol(1, "S"));
  EXPECT_THAT(state->flags[1], Symbol(2, "D"));
  EXPECT_THAT(state->flags[7], Symbol(0x80, "I"));
  EXPECT_THAT(state->symbols, IsEmpty());

  TracepointFormat timer = parse("timer", "timer_start", samples::kTimerStart);
  EXPECT_THAT(timer.field("flags")->flags,
              ElementsAre(Symbol(0x40000, "M"), Symbol(0x80000, "D"), Symbol(0x100000, "P"),
                          Symbol(0x200000, "I")));
}

TEST(TracepointFormat, CastsAndShiftsInValues) {
  // kmalloc's gfp table: {( unsigned long)((( gfp_t)(...)) | ...), "GFP_KERNEL"}, and a
  // terminator { 0, ((void *)0) } that is not an entry.
  TracepointFormat f = parse("kmem", "kmalloc", samples::kKmalloc);
  const TracepointField* gfp = f.field("gfp_flags");
  ASSERT_NE(gfp, nullptr);
  std::map<std::string, int64_t> by_name;
  for (const SymbolicValue& v : gfp->flags) by_name[v.name] = v.value;
  EXPECT_EQ(by_name.at("GFP_KERNEL"), 0xcc0);
  EXPECT_EQ(by_name.at("GFP_ATOMIC"), 0x820);
  EXPECT_EQ(by_name.at("__GFP_ZERO"), 0x100);
  EXPECT_EQ(by_name.at("GFP_DMA"), 1);
  EXPECT_EQ(by_name.count(""), 0u);
}

TEST(TracepointFormat, DerivedSubjectsDescribeNoField) {
  // __print_symbolic((((REC->ioprio) >> 13) & (8 - 1)), ...) names a class, not ioprio.
  TracepointFormat f = parse("block", "block_rq_issue", samples::kBlockRqIssue);
  EXPECT_THAT(f.field("ioprio")->symbols, IsEmpty());
}

TEST(TracepointFormat, UnresolvedNamesNeedAResolver) {
  // tcp_retransmit_skb prints { TCP_ESTABLISHED, "TCP_ESTABLISHED" }: the kernel left
  // the enum names in.
  TracepointFormat bare = parse("tcp", "tcp_retransmit_skb", samples::kTcpRetransmitSkb);
  EXPECT_THAT(bare.field("state")->symbols, IsEmpty());
  EXPECT_THAT(bare.field("family")->symbols, SizeIs(2));

  std::map<std::string, int64_t, std::less<>> tcp = {{"TCP_ESTABLISHED", 1}, {"TCP_SYN_SENT", 2}};
  auto resolve = [&](std::string_view name) -> std::optional<int64_t> {
    auto it = tcp.find(name);
    if (it == tcp.end()) return std::nullopt;
    return it->second;
  };
  TracepointFormat f = parse("tcp", "tcp_retransmit_skb", samples::kTcpRetransmitSkb, resolve);
  EXPECT_THAT(f.field("state")->symbols,
              ElementsAre(Symbol(1, "TCP_ESTABLISHED"), Symbol(2, "TCP_SYN_SENT")));
}

TEST(TracepointFormat, Errors) {
  EXPECT_FALSE(parse_tracepoint_format("a", "b", "").ok());
  EXPECT_FALSE(parse_tracepoint_format("a", "b", "name: b\nID: 1\nformat:\n").ok());  // no fields
  Result<TracepointFormat> bad = parse_tracepoint_format(
      "a", "b", "name: b\nID: 1\nformat:\n\tfield:int x;\toffset:zz;\tsize:4;\tsigned:1;\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("line 4"));
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("offset"));
  EXPECT_FALSE(
      parse_tracepoint_format("a", "b", "ID: 1\n\tfield:int ;\toffset:0;\tsize:4;\n").ok());
  EXPECT_FALSE(
      parse_tracepoint_format("a", "b", "ID: 1\n\tfield:int x[y];\toffset:0;\tsize:4;\n").ok());
}

TEST(TracepointFormat, ToleratesOddInput) {
  // Garbage in the print format never fails the parse (tables are best effort).
  for (std::string_view print :
       {"__print_symbolic(", "__print_symbolic(REC->x, {", "__print_flags(REC->x, \"|\", { 1 }",
        "__print_symbolic(REC->x, { 1 << 99, \"A\" }, { 1 / 0, \"B\" }, { \"C\", 1 })",
        "__print_symbolic(((((((((((((((((((((((((((((((((((((((((REC->x))))))))))))))))))))))))))"
        "))))))))))))))), { -(-(-1)), \"N\" })"}) {
    std::string text =
        "ID: 1\n\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"%s\", ";
    text += print;
    Result<TracepointFormat> f = parse_tracepoint_format("a", "b", text);
    ASSERT_TRUE(f.ok()) << print;
  }
  Result<TracepointFormat> f = parse_tracepoint_format(
      "a", "b",
      "ID: 1\n\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"%s\", "
      "__print_symbolic(((((REC->x)))), { -(-(-1)), \"N\" }, { 1 << 99, \"A\" })");
  ASSERT_TRUE(f.ok());
  EXPECT_THAT(f->field("x")->symbols, ElementsAre(Symbol(-1, "N")));
}

}  // namespace
}  // namespace sonde::kernel
