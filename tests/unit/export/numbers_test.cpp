#include "runtime/export/numbers.h"

#include <cmath>
#include <cstdlib>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sonde::exporter
