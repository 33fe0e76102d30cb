#include "runtime/export/numbers.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

namespace sonde::exporter {
namespace {

std::string number(double value) {
  std::string out;
  append_number(out, value);
  return out;
}

TEST(Numbers, Spellings) {
  EXPECT_EQ(number(0), "0");
  EXPECT_EQ(number(42), "42");
  EXPECT_EQ(number(-7), "-7");
  EXPECT_EQ(number(2.5), "2.5");
  EXPECT_EQ(number(1e20), "1e+20");
  EXPECT_EQ(number(9007199254740991.0), "9007199254740991");
  EXPECT_EQ(number(NAN), "NaN");
  EXPECT_EQ(number(INFINITY), "+Inf");
  EXPECT_EQ(number(-INFINITY), "-Inf");
}

TEST(Numbers, NanosecondsBecomeSeconds) {
  EXPECT_EQ(number(exported_value(512, spec::Unit::kNanoseconds)), "5.12e-07");
  EXPECT_EQ(number(exported_value(1.5e9, spec::Unit::kNanoseconds)), "1.5");
  EXPECT_EQ(number(exported_value(1024, spec::Unit::kBytes)), "1024");
  EXPECT_EQ(number(exported_value(3, spec::Unit::kNone)), "3");
}

// Every log2 bound in seconds prints as text that parses back to the same double,
// and the same way each time.
TEST(Numbers, Log2BoundsRoundTrip) {
  for (int k = 0; k < 64; ++k) {
    const double seconds = exported_value(std::ldexp(1.0, k), spec::Unit::kNanoseconds);
    const std::string text = number(seconds);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), seconds) << text;
    EXPECT_EQ(number(seconds), text);
  }
}

// Non-integers as {fmt} spells them (its shortest round trip, printf %g's choice of
// exponent: what /metrics wrote before numbers went through std::to_chars, so `le`
// labels keep their text), over every magnitude a double has.
TEST(Numbers, SpelledAsFmtDoes) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<uint64_t> bits;
  int checked = 0;
  while (checked < 200'000) {
    const uint64_t raw = bits(random);
    double value;
    std::memcpy(&value, &raw, sizeof value);
    if (!std::isfinite(value) || value == std::trunc(value)) continue;
    ++checked;
    const std::string text = number(value);
    ASSERT_EQ(text, fmt::format("{}", value));
    ASSERT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
  }
  for (int k = -330; k <= 310; ++k) {
    const double value = 1.5 * std::pow(10.0, k);
    if (!std::isfinite(value) || value == std::trunc(value)) continue;
    EXPECT_EQ(number(value), fmt::format("{}", value));
  }
}

}  // namespace
}  // namespace sonde::exporter
