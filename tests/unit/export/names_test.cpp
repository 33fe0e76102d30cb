#include "runtime/export/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sonde::exporter {
namespace {

using ::testing::ElementsAre;

TEST(Names, MetricNames) {
  EXPECT_EQ(sanitize_metric_name("timer_start_total"), "timer_start_total");
  EXPECT_EQ(sanitize_metric_name("job:rate:sum"), "job:rate:sum");
  EXPECT_EQ(sanitize_metric_name("9lives"), "_9lives");
  EXPECT_EQ(sanitize_metric_name("a-b.c d"), "a_b_c_d");
  EXPECT_EQ(sanitize_metric_name(""), "_");
  EXPECT_EQ(sanitize_metric_name("caf\xc3\xa9"), "caf__");
}

TEST(Names, LabelNames) {
  EXPECT_EQ(sanitize_label_name("comm"), "comm");
  EXPECT_EQ(sanitize_label_name("a:b"), "a_b");
  EXPECT_EQ(sanitize_label_name("0x"), "_0x");
  EXPECT_EQ(sanitize_label_name(""), "_");
  // "__" starts Prometheus' own names, which prometheus-cpp refuses.
  EXPECT_EQ(sanitize_label_name("__name__"), "_name__");
  EXPECT_EQ(sanitize_label_name("__"), "_");
}

TEST(Names, ExportLabelNamesAreDistinct) {
  metrics::Family family;
  family.label_names = {"my label", "my-label", "my_label_2", "le"};
  EXPECT_THAT(export_label_names(family),
              ElementsAre("my_label", "my_label_2", "my_label_2_2", "le"));
  family.type = metrics::FamilyType::kHistogram;
  EXPECT_THAT(export_label_names(family),
              ElementsAre("my_label", "my_label_2", "my_label_2_2", "le_2"));
}

}  // namespace
}  // namespace sonde::exporter
