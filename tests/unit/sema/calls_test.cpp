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

// syscall_arg(N): the task's saved registers, a u64 that str() reads as user memory.
TEST(Calls, SyscallArgIsAUserPointerOfTheCall) {
  Checker checker;
  ASSERT_EQ(checker.check("on rawtracepoint:sock_recv_length count by str(syscall_arg(1), 8)"), "");
  const Label& label = checker.result().statements.at(0).labels.at(0);
  EXPECT_EQ(label.type.kind, ast::TypeKind::kString);
  EXPECT_TRUE(label.type.user);
  EXPECT_EQ(label.type.size, 9u);
  Checker bad;
  EXPECT_THAT(
      bad.check("on rawtracepoint:sock_recv_length count by syscall_arg(6)"),
      testing::HasSubstr("syscall_arg() takes the argument's index, a constant from 0 to 5"));
  EXPECT_THAT(bad.check("on rawtracepoint:sock_recv_length count by syscall_arg(ret)"),
              testing::HasSubstr("a constant from 0 to 5"));
}

// startswith() and digits() look at fixed places of a string the checker knows the size
// of: what cannot fit is an error where it is written, not a silent mismatch.
TEST(Calls, StartswithAndDigitsStayInsideTheirString) {
  Checker checker;
  ASSERT_EQ(checker.check("on rawtracepoint:sock_send_length where startswith(str(syscall_arg(1), "
                          "12), \"HTTP/1.1 \", \"HTTP/1.0 \") count by "
                          "digits(str(syscall_arg(1), 12), 9, 3)"),
            "");
  const Label& label = checker.result().statements.at(0).labels.at(0);
  EXPECT_EQ(label.name, "digits");
  EXPECT_EQ(label.type.kind, ast::TypeKind::kInt);
  EXPECT_TRUE(label.type.is_signed);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"where startswith(str(syscall_arg(1), 3), \"GET \")",
       "\"GET \" is 4 characters long but str(syscall_arg(1), 3) holds at most 3: it can never "
       "match"},
      {"where startswith(ret, \"GET \")", "startswith() reads a string, not a"},
      {"where startswith(comm, comm)", "startswith() takes the texts to look for in quotes"},
      {"where startswith(comm, \"\")", "startswith() takes the texts to look for in quotes"},
      {"where digits(str(syscall_arg(1), 12), 10, 3) > 0",
       "digits() reads characters 10 to 12 but str(syscall_arg(1), 12) holds at most 12"},
      {"where digits(comm, ret, 3) > 0", "the index and the count of digits() must be constants"},
      {"where digits(comm, 0, 0) > 0", "digits() reads from 1 to 18 digits"},
      {"where digits(comm, 0, 19) > 0", "digits() reads from 1 to 18 digits"},
      {"where startswith(comm)", "startswith() takes 2 to 16 arguments, not 1"},
  };
  for (const auto& [text, message] : cases) {
    Checker c;
    EXPECT_THAT(c.check("on rawtracepoint:sock_send_length " + text + " count"),
                testing::HasSubstr(message))
        << text;
  }
}

}  // namespace
}  // namespace sonde::sema
