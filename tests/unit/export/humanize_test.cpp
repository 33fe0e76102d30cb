#include "runtime/export/humanize.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sonde::exporter {
namespace {

TEST(Humanize, Durations) {
  const spec::Unit ns = spec::Unit::kNanoseconds;
  EXPECT_EQ(humanize(0, ns), "0ns");
  EXPECT_EQ(humanize(512, ns), "512ns");
  EXPECT_EQ(humanize(999, ns), "999ns");
  EXPECT_EQ(humanize(999.7, ns), "1us");
  EXPECT_EQ(humanize(1024, ns), "1.02us");
  EXPECT_EQ(humanize(16384, ns), "16.4us");
  EXPECT_EQ(humanize(131072, ns), "131us");
  EXPECT_EQ(humanize(1048576, ns), "1.05ms");
  EXPECT_EQ(humanize(2.5e9, ns), "2.5s");
  EXPECT_EQ(humanize(7200e9, ns), "7200s");
  EXPECT_EQ(humanize(-1500, ns), "-1.5us");
}

TEST(Humanize, Bytes) {
  const spec::Unit bytes = spec::Unit::kBytes;
  EXPECT_EQ(humanize(0, bytes), "0B");
  EXPECT_EQ(humanize(1023, bytes), "1023B");
  EXPECT_EQ(humanize(1024, bytes), "1KiB");
  EXPECT_EQ(humanize(1536, bytes), "1.5KiB");
  EXPECT_EQ(humanize(65536, bytes), "64KiB");
  EXPECT_EQ(humanize(1048576, bytes), "1MiB");
  EXPECT_EQ(humanize(3.0 * 1024 * 1024 * 1024, bytes), "3GiB");
}

TEST(Humanize, PlainNumbers) {
  EXPECT_EQ(humanize(1234567, spec::Unit::kNone), "1234567");
  EXPECT_EQ(humanize(-3, spec::Unit::kNone), "-3");
  EXPECT_EQ(humanize(10.0 / 3, spec::Unit::kNone), "3.33");
  EXPECT_EQ(humanize(2.5, spec::Unit::kNone), "2.5");
  EXPECT_EQ(humanize(NAN, spec::Unit::kNone), "NaN");
}

}  // namespace
}  // namespace sonde::exporter
