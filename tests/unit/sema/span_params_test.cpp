// `$param` substitution in a span's probes: the one function sema and completion share.
#include <gtest/gtest.h>

#include "compiler/sema/definitions.h"

namespace sonde::sema {
namespace {

using Params = Definitions::SpanParams;

TEST(SpanParams, ReplacesEachUse) {
  EXPECT_EQ(substitute_params("tracepoint:syscalls:sys_enter_$name", {{"name", "read"}}),
            "tracepoint:syscalls:sys_enter_read");
  EXPECT_EQ(substitute_params("usdt:$bin:$fn:$fn", {{"bin", "/bin/true"}, {"fn", "main"}}),
            "usdt:/bin/true:main:main");
}

TEST(SpanParams, AParameterIsAWholeName) {
  // `$fd` must not eat the start of `$fdx`, in either order of the parameters.
  const std::string text = "tracepoint:a:b_$fd*$fdx";
  EXPECT_EQ(substitute_params(text, {{"fd", "1"}, {"fdx", "2"}}), "tracepoint:a:b_1*2");
  EXPECT_EQ(substitute_params(text, {{"fdx", "2"}, {"fd", "1"}}), "tracepoint:a:b_1*2");
  EXPECT_EQ(substitute_params("t:a:$fdx", {{"fd", "1"}}), "t:a:$fdx");
  // `$fd_` is the name `fd_` to the grammar: not the parameter `fd`.
  EXPECT_EQ(substitute_params("t:a:$fd_x", {{"fd", "1"}}), "t:a:$fd_x");
}

TEST(SpanParams, ADollarThatNamesNoParameterStays) {
  EXPECT_EQ(substitute_params("t:a:cost$", {{"name", "x"}}), "t:a:cost$");
  EXPECT_EQ(substitute_params("t:a:$1_$", {{"name", "x"}}), "t:a:$1_$");
  EXPECT_EQ(substitute_params("t:a:$$name", {{"name", "x"}}), "t:a:$x");
  EXPECT_EQ(substitute_params("t:a:$other", {{"name", "x"}}), "t:a:$other");
  EXPECT_EQ(substitute_params("t:a:b", {}), "t:a:b");
  EXPECT_EQ(substitute_params("", {{"name", "x"}}), "");
}

TEST(SpanParams, AValueIsNotSubstitutedAgain) {
  EXPECT_EQ(substitute_params("t:a:$a$b", {{"a", "$b"}, {"b", "B"}}), "t:a:$bB");
  EXPECT_EQ(substitute_params("t:a:$a", {{"a", "$a"}}), "t:a:$a");
}

}  // namespace
}  // namespace sonde::sema
