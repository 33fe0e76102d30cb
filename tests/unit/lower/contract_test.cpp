// Lowering's contract on the fixture kernel: for each row of contract_rows.cpp, the
// spec::Program fields and the salient lines of the generated C. Rows assert fragments,
// not whole files, so that unrelated changes to the C leave them alone.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/lower/contract_rows.h"
#include "tests/unit/lower/lowering.h"
#include "tests/unit/lower/spec_lines.h"

namespace sonde::lower {
namespace {

// Every way `lowered` departs from `row`, one per line; empty when none.
std::string departures(const Row& row, const Lowered& lowered) {
  std::string out;
  const bool rejected_expected = !row.diagnostics.empty() && row.spec.empty() && row.c.empty();
  if (row.diagnostics.empty() && !lowered.diagnostics.empty())
    out += fmt::format("unexpected diagnostics:\n{}", lowered.diagnostics);
  for (const auto& d : row.diagnostics) {
    if (lowered.diagnostics.find(d) == std::string::npos)
      out += fmt::format("diagnostics lack '{}'\n", d);
  }
  if (rejected_expected) {
    if (lowered.ok) out += "the program was accepted; it should be rejected\n";
    return out;
  }
  if (!lowered.ok) return out + "the program was rejected\n";
  if (lowered.program.metrics.empty()) out += "the program measures nothing\n";
  std::vector<std::string> lines = spec_lines(lowered.program);
  for (const auto& want : row.spec) {
    std::string expanded = with_self(want);
    if (!has_spec_line(lines, expanded)) out += fmt::format("spec lacks: {}\n", expanded);
  }
  size_t at = 0;
  for (const auto& want : row.c) {
    std::string fragment = with_self(want);
    size_t found = lowered.c_source.find(fragment, at);
    if (found == std::string::npos) {
      bool elsewhere = lowered.c_source.find(fragment) != std::string::npos;
      out += fmt::format("C lacks{}: {}\n", elsewhere ? " (in this order)" : "", fragment);
      continue;
    }
    at = found + fragment.size();
  }
  for (const auto& fragment : row.c_absent) {
    if (lowered.c_source.find(fragment) != std::string::npos)
      out += fmt::format("C holds: {}\n", fragment);
  }
  return out;
}

// What a row's author needs to update it: the spec lines and the C.
std::string everything(const Lowered& lowered) {
  std::string out = "spec:\n";
  for (const auto& line : spec_lines(lowered.program)) out += "  " + line + "\n";
  return out + "C:\n" + lowered.c_source;
}

class Contract : public testing::TestWithParam<Row> {};

}  // namespace

// gtest names a row by its name instead of its bytes.
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

namespace {

TEST_P(Contract, Holds) {
  const Row& row = GetParam();
  Lowered lowered = lower_on_fixture(with_self(row.source));
  std::string missing = departures(row, lowered);
  if (row.disabled) {
    if (missing.empty()) {
      FAIL() << "this row passes now: remove its `disabled` (" << row.disabled << ")";
    }
    GTEST_SKIP() << "known bug " << row.disabled << "\n" << missing;
  }
  EXPECT_EQ(missing, "") << row.source << "\n" << lowered.diagnostics << everything(lowered);
}

INSTANTIATE_TEST_SUITE_P(Lowering, Contract, testing::ValuesIn(contract_rows()),
                         [](const testing::TestParamInfo<Row>& row) { return row.param.name; });

// The matching the rows rely on: named records, a subset of fields, quoted values.
TEST(SpecLines, MatchTheNamedRecordOnTheFieldsGiven) {
  std::vector<std::string> lines = {"metric m a=1 b=2", "label m.x size=8",
                                    "span \"block rq\" start_map=s"};
  EXPECT_TRUE(has_spec_line(lines, "metric m b=2"));
  EXPECT_TRUE(has_spec_line(lines, "metric m a=1 b=2"));
  EXPECT_FALSE(has_spec_line(lines, "metric m b=3"));
  EXPECT_FALSE(has_spec_line(lines, "metric n b=2"));
  EXPECT_FALSE(has_spec_line(lines, "label m.x size=8 decoder=string"));
  EXPECT_TRUE(has_spec_line(lines, "span \"block rq\" start_map=s"));
  EXPECT_FALSE(has_spec_line(lines, "span \"block\" start_map=s"));
}

// A row that does not hold says what departs from it.
TEST(SpecLines, ADepartingRowIsReported) {
  Row row{.name = "R",
          .source = "on tracepoint:sched:sched_switch count",
          .spec = {"metric sonde_sched_switch_total aggregation=sum"},
          .c = {"sonde_count(v);", "SEC("},
          .c_absent = {"sonde_count"}};
  Lowered lowered = lower_on_fixture(row.source);
  ASSERT_TRUE(lowered.ok) << lowered.diagnostics;
  EXPECT_EQ(departures(row, lowered),
            "spec lacks: metric sonde_sched_switch_total aggregation=sum\n"
            "C lacks (in this order): SEC(\n"
            "C holds: sonde_count\n");
}

// The examples and the stdlib are the fuzzer's seeds: on the fixture they reach lowering.
TEST(Fixture, EveryExampleLowers) {
  size_t examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SONDE_SOURCE_DIR "/examples")) {
    if (entry.path().extension() != ".sonde") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    Lowered lowered = lower_on_fixture(text.str());
    EXPECT_TRUE(lowered.ok) << entry.path() << "\n" << lowered.diagnostics;
    EXPECT_FALSE(lowered.program.metrics.empty()) << entry.path();
    ++examples;
  }
  EXPECT_GT(examples, 10u);
}

}  // namespace
}  // namespace sonde::lower
