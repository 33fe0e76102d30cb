// The decoder and function tables: one row per call, every name once, and each row read
// by the checker and by label naming as it says.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "compiler/sema/functions_table.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

TEST(Calls, EveryNameAndDecoderOnce) {
  std::set<std::string> names;
  std::set<spec::Decoder> values;
  for (const auto& d : decoders()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_TRUE(values.insert(d.decoder).second) << d.name;
    EXPECT_NE(std::string(d.help), "") << d.name;
    EXPECT_EQ(find_decoder(d.name), &d);
  }
  for (const auto& f : functions()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_LE(f.min_args, f.max_args) << f.name;
    EXPECT_NE(std::string(f.help), "") << f.name;
    EXPECT_EQ(find_function(f.name), &f);
  }
  EXPECT_EQ(find_decoder("str"), nullptr);
  EXPECT_EQ(find_function("ksym"), nullptr);
}

// Each decoder row, called on a value it accepts, makes a label of its spec decoder,
// named as its row says.
TEST(Calls, EachDecoderRowMakesItsLabel) {
  for (const auto& d : decoders()) {
    const char* value = d.input == DecoderInput::kAddress    ? "saddr"
                        : d.input == DecoderInput::kCgroupId ? "cgroup"
                                                             : "skbaddr";
    Checker checker;
    ASSERT_EQ(checker.check(fmt::format("on tracepoint:tcp:tcp_retransmit_skb count by {}({})",
                                        d.name, value)),
              "")
        << d.name;
    const Label& label = checker.result().statements.at(0).labels.at(0);
    EXPECT_EQ(label.type.decoder, d.decoder) << d.name;
    EXPECT_EQ(label.name, d.naming == LabelNaming::kArgument ? value : d.name);
  }
}

TEST(Calls, CastsAndSwapsTakeTheirRowsWidth) {
  for (const auto& f : functions()) {
    if (f.kind != FunctionKind::kCast && f.kind != FunctionKind::kByteSwap) continue;
    Checker checker;
    ASSERT_EQ(
        checker.check(fmt::format("on tracepoint:sched:sched_switch sum {}(prev_pid)", f.name)), "")
        << f.name;
    const ast::Expr& value = *checker.result().statements.at(0).programs.at(0).value;
    EXPECT_EQ(value.type.size, f.width) << f.name;
    EXPECT_EQ(value.type.is_signed, f.is_signed) << f.name;
  }
}

}  // namespace
}  // namespace sonde::sema
