#include "compiler/kernel/print_fmt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sonde::kernel {
namespace {

struct Case {
  std::string_view expression;
  std::optional<int64_t> value;
};

class EvaluateConstant : public ::testing::TestWithParam<Case> {};

TEST_P(EvaluateConstant, Value) {
  auto resolve = [](std::string_view name) -> std::optional<int64_t> {
    if (name == "TCP_ESTABLISHED") return 1;
    if (name == "BTRFS_ORDERED_IO_DONE") return 3;
    return std::nullopt;
  };
  EXPECT_EQ(evaluate_constant(GetParam().expression, resolve), GetParam().value)
      << GetParam().expression;
}

INSTANTIATE_TEST_SUITE_P(
    Expressions, EvaluateConstant,
    ::testing::Values(Case{"42", 42}, Case{"0x00040000", 0x40000}, Case{"0x0003FFFF", 0x3ffff},
                      Case{"010", 8}, Case{"1ULL", 1}, Case{"(1UL << 3)", 8}, Case{"-22", -22},
                      Case{"(-1)", -1}, Case{"~0", -1}, Case{"!0", 1}, Case{"8 - 1", 7},
                      Case{"2 + 3 * 4", 14}, Case{"(2 + 3) * 4", 20}, Case{"1 | 2 | 4", 7},
                      Case{"0xff & ~0x0f", 0xf0}, Case{"0x10 ^ 0x11", 1}, Case{"7 % 4", 3},
                      Case{"( int) (( __kernel_rwf_t)0x00000002)", 2},
                      Case{"( unsigned long)(( gfp_t)((((1UL))) << (22)))", 1 << 22},
                      Case{"(unsigned int) -1", 0xffffffff}, Case{"(char)0x1ff", 0xff},
                      Case{"(signed char)0x1ff", -1}, Case{"(unsigned char)0x1ff", 0xff},
                      Case{"(u16)0x12345", 0x2345}, Case{"(__s32)0xffffffff", -1},
                      Case{"(long)0xffffffff", 0xffffffff}, Case{"(void *)0", 0},
                      Case{"TCP_ESTABLISHED", 1}, Case{"(1 << BTRFS_ORDERED_IO_DONE)", 8},
                      Case{"1 ? 5 : 6", 5}, Case{"'A'", 65}, Case{"UNKNOWN_NAME", std::nullopt},
                      Case{"1 << 64", std::nullopt}, Case{"1 / 0", std::nullopt},
                      Case{"(1", std::nullopt}, Case{"1 2", std::nullopt}, Case{"", std::nullopt},
                      Case{"0x", std::nullopt}, Case{"09", std::nullopt},
                      Case{"\"str\"", std::nullopt}));

TEST(PrintTables, SubjectsAndEntries) {
  std::vector<PrintTable> tables = parse_print_tables(
      R"x("%s %s", __print_symbolic(REC->a, { 1, "ONE" }, { 2, "TWO" }), )x"
      R"x(__print_flags((unsigned long)REC->b & 3, "|", { 1, "X" }, { 2, "Y" }), )x"
      R"x(__print_symbolic(REC->c & 3, { 1, "NOT_A_FIELD_TABLE" }))x");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].field, "a");
  EXPECT_FALSE(tables[0].flags);
  ASSERT_EQ(tables[0].values.size(), 2u);
  EXPECT_EQ(tables[0].values[1].name, "TWO");
  EXPECT_EQ(tables[1].field, "b");
  EXPECT_TRUE(tables[1].flags);
  EXPECT_EQ(tables[1].values[1].value, 2);
}

TEST(PrintTables, StringsWithBrackets) {
  std::vector<PrintTable> tables =
      parse_print_tables(R"x("(%s)", __print_symbolic(REC->a, { 1, "a(b" }, { 2, "}\"{" }))x");
  ASSERT_EQ(tables.size(), 1u);
  ASSERT_EQ(tables[0].values.size(), 2u);
  EXPECT_EQ(tables[0].values[0].name, "a(b");
  EXPECT_EQ(tables[0].values[1].name, "}\"{");
}

}  // namespace
}  // namespace sonde::kernel
