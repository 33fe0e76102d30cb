// Per-interval increases from cumulative snapshots: differences, series that appear or
// restart, signed sums that go down, gauges left as read.
#include "runtime/metrics/interval.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sonde::metrics {
namespace {

Family family(std::string name, spec::Aggregation aggregation, FamilyType type) {
  Family f;
  f.name = std::move(name);
  f.aggregation = aggregation;
  f.type = type;
  f.label_names = {"comm"};
  return f;
}

Series value(std::string label, double v) {
  Series s;
  s.label_values = {std::move(label)};
  s.value = v;
  return s;
}

Series histogram(std::string label, std::vector<uint64_t> counts, double sum) {
  Series s;
  s.label_values = {std::move(label)};
  for (size_t i = 0; i < counts.size(); ++i) {
    s.buckets.push_back({static_cast<double>(1 << i), counts[i]});
    s.count += counts[i];
  }
  s.sum = sum;
  return s;
}

Snapshot counts(std::vector<Series> series) {
  Snapshot s;
  s.families.push_back(family("calls_total", spec::Aggregation::kCount, FamilyType::kCounter));
  s.families[0].series = std::move(series);
  return s;
}

TEST(IntervalTracker, CountersIncreaseByTheirDifferenceNewSeriesByTheirWholeValue) {
  IntervalTracker tracker(1000, 50);
  Snapshot first = counts({value("a", 10)});
  tracker.advance(first, 1005, 55);
  ASSERT_TRUE(first.interval);
  EXPECT_TRUE(first.interval->first);
  EXPECT_EQ(first.interval->start, 1000);
  EXPECT_EQ(first.interval->end, 1005);
  EXPECT_EQ(first.interval->seconds, 5);
  EXPECT_EQ(first.families[0].increases.at(0).value, 10);

  Snapshot second = counts({value("a", 10), value("b", 4)});
  tracker.advance(second, 1010, 60.5);
  EXPECT_FALSE(second.interval->first);
  EXPECT_EQ(second.interval->start, 1005);
  EXPECT_EQ(second.interval->seconds, 5.5);
  const auto& inc = second.families[0].increases;
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0].value, 0);
  EXPECT_FALSE(inc[0].changed);
  EXPECT_EQ(inc[1].value, 4);
  EXPECT_TRUE(inc[1].changed);

  // "a" expired and came back with less than before: all it holds is new.
  Snapshot third = counts({value("b", 9), value("a", 3)});
  tracker.advance(third, 1015, 65);
  EXPECT_EQ(third.families[0].increases[0].value, 5);
  EXPECT_EQ(third.families[0].increases[1].value, 3);
}

TEST(IntervalTracker, SignedSumsGoDownAndGaugesAreLeftAsRead) {
  IntervalTracker tracker(0, 0);
  auto snapshot = [](double sum, double max) {
    Snapshot s;
    s.families.push_back(family("delta", spec::Aggregation::kSum, FamilyType::kGauge));
    s.families[0].series = {value("a", sum)};
    s.families.push_back(family("peak", spec::Aggregation::kMax, FamilyType::kGauge));
    s.families[1].series = {value("a", max)};
    return s;
  };
  Snapshot first = snapshot(10, 7);
  tracker.advance(first, 1, 1);
  Snapshot second = snapshot(4, 3);
  tracker.advance(second, 2, 2);
  EXPECT_EQ(second.families[0].increases.at(0).value, -6);
  EXPECT_TRUE(second.families[1].increases.empty());
}

TEST(IntervalTracker, HistogramsAndAveragesOfTheIntervalAlone) {
  IntervalTracker tracker(0, 0);
  auto snapshot = [](Series h, uint64_t count, double sum) {
    Snapshot s;
    s.families.push_back(family("lat", spec::Aggregation::kHistogram, FamilyType::kHistogram));
    s.families[0].series = {std::move(h)};
    s.families.push_back(family("avg", spec::Aggregation::kAvg, FamilyType::kSummary));
    Series a = value("a", count ? sum / static_cast<double>(count) : NAN);
    a.count = count;
    a.sum = sum;
    s.families[1].series = {a};
    return s;
  };
  Snapshot first = snapshot(histogram("a", {1, 2, 0}, 5), 2, 10);
  tracker.advance(first, 1, 1);
  Snapshot second = snapshot(histogram("a", {1, 5, 2}, 30), 2, 10);
  tracker.advance(second, 2, 2);
  const Increase& h = second.families[0].increases.at(0);
  EXPECT_EQ(h.buckets, (std::vector<uint64_t>{0, 3, 2}));
  EXPECT_EQ(h.count, 5u);
  EXPECT_EQ(h.sum, 25);
  EXPECT_TRUE(h.changed);
  const Increase& a = second.families[1].increases.at(0);
  EXPECT_EQ(a.count, 0u);
  EXPECT_TRUE(std::isnan(a.value));
  EXPECT_FALSE(a.changed);
  // A bucket that went down: the series started again.
  Snapshot third = snapshot(histogram("a", {0, 1, 9}, 40), 6, 18);
  tracker.advance(third, 3, 3);
  EXPECT_EQ(third.families[0].increases[0].buckets, (std::vector<uint64_t>{0, 1, 9}));
  EXPECT_EQ(third.families[1].increases[0].value, 2);  // (18 - 10) / (6 - 2)
}

}  // namespace
}  // namespace sonde::metrics
