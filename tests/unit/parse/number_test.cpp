#include <gtest/gtest.h>

#include "compiler/parse/parser.h"

namespace sonde::parse {
namespace {

struct NumberCase {
  const char* text;
  bool ok;
  uint64_t value;
};

class NumberTest : public testing::TestWithParam<NumberCase> {};

TEST_P(NumberTest, Parses) {
  const auto& c = GetParam();
  uint64_t v = 0;
  std::string error;
  EXPECT_EQ(parse_number(c.text, v, error), c.ok) << c.text << ": " << error;
  if (c.ok) {
    EXPECT_EQ(v, c.value) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, NumberTest,
    testing::Values(NumberCase{"0", true, 0}, NumberCase{"42", true, 42},
                    NumberCase{"1_000_000", true, 1000000}, NumberCase{"0x2a", true, 42},
                    NumberCase{"0XFF", true, 255}, NumberCase{"10ms", true, 10000000},
                    NumberCase{"1s", true, 1000000000}, NumberCase{"250us", true, 250000},
                    NumberCase{"5ns", true, 5}, NumberCase{"2m", true, 120000000000ULL},
                    NumberCase{"4KiB", true, 4096}, NumberCase{"1MiB", true, 1048576},
                    NumberCase{"3KB", true, 3000},
                    NumberCase{"18446744073709551615", true, UINT64_MAX},
                    NumberCase{"18446744073709551616", false, 0}, NumberCase{"12x", false, 0},
                    NumberCase{"0x", false, 0}, NumberCase{"0xfg", false, 0},
                    NumberCase{"99999999999h", false, 0}));

}  // namespace
}  // namespace sonde::parse
