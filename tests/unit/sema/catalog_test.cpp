// sonde list's catalog: what a pattern selects, per kind, with fields on request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/sema/functions_table.h"
#include "compiler/sema/probe_catalog.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

constexpr const char* kDefinitions =
    "span sched runq {\n"
    "  start tracepoint:sched:sched_wakeup key pid\n"
    "  end   tracepoint:sched:sched_switch key next_pid\n"
    "}\n"
    "event exec = tracepoint:sched:sched_process_exec\n"
    "alias tracepoint:timer:timer_start func = function\n"
    "on exec count\n";

class Catalog : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(checker_.check(kDefinitions), ""); }

  std::vector<CatalogEntry> list(const std::string& pattern, bool details = false) {
    auto entries =
        list_probes(pattern, details, shared_kernel(), checker_.definitions(), checker_.sources());
    EXPECT_TRUE(entries.ok()) << (entries.ok() ? "" : entries.error().message);
    return entries.ok() ? std::move(*entries) : std::vector<CatalogEntry>{};
  }

  std::vector<std::string> names(const std::string& pattern) {
    std::vector<std::string> out;
    for (const auto& e : list(pattern)) out.push_back(e.name);
    return out;
  }

  Checker checker_;
};

TEST_F(Catalog, AWordMatchesAnywhereAcrossKinds) {
  auto found = names("sched_switch");
  EXPECT_THAT(found,
              testing::ElementsAre("tracepoint:sched:sched_switch", "rawtracepoint:sched_switch"));
  auto sched = names("sched");
  EXPECT_THAT(sched, testing::Contains("span:sched runq"));
  EXPECT_THAT(sched, testing::Contains("tracepoint:sched:sched_wakeup"));
}

// Decoders and functions come from their tables, only when asked for by kind.
TEST_F(Catalog, DecodersAndFunctionsWhenTheirKindIsNamed) {
  auto decoders = list("decoder:*");
  ASSERT_EQ(decoders.size(), sema::decoders().size());
  EXPECT_EQ(decoders[0].name, "decoder:ksym");
  EXPECT_EQ(decoders[0].summary, "turns kernel addresses into function names");
  EXPECT_THAT(names("function:s*"),
              testing::ElementsAre("function:str", "function:syscall_arg", "function:startswith",
                                   "function:s8", "function:s16", "function:s32", "function:s64"));
  EXPECT_THAT(names("ksym"), testing::IsEmpty());
}

TEST_F(Catalog, KindsAreAbbreviatedAsInPrograms) {
  auto found = names("t:sched:sched_switch");
  EXPECT_THAT(found, testing::ElementsAre("tracepoint:sched:sched_switch"));
}

TEST_F(Catalog, DetailsGiveFieldsTypesValueNamesAndAliases) {
  auto entries = list("tracepoint:sock:inet_sock_set_state", true);
  ASSERT_EQ(entries.size(), 1u);
  std::vector<std::string> fields;
  for (const auto& f : entries[0].fields) fields.push_back(f.name + " " + f.type);
  EXPECT_THAT(fields, testing::Contains("newstate int"));
  EXPECT_THAT(fields, testing::Contains("daddr __u8[4]"));
  for (const auto& f : entries[0].fields) {
    if (f.name == "newstate") {
      EXPECT_THAT(f.note, testing::HasSubstr("TCP_ESTABLISHED"));
    }
  }
  auto timer = list("tracepoint:timer:timer_start", true);
  ASSERT_EQ(timer.size(), 1u);
  EXPECT_EQ(timer[0].fields.back().name, "func");
  EXPECT_EQ(timer[0].fields.back().note, "alias for function");
  auto raw = list("rawtracepoint:sched_switch", true);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].fields.at(1).name, "prev");
  EXPECT_EQ(raw[0].fields.at(1).type, "struct task_struct *");
}

TEST_F(Catalog, SpansShowTheirDefinitionAndEventsTheirProbe) {
  auto spans = list("span:*", true);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "span:sched runq");
  EXPECT_EQ(spans[0].lines.front(), "span sched runq {");
  auto events = list("event:exec", true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].summary, "tracepoint:sched:sched_process_exec");
  std::vector<std::string> fields;
  for (const auto& f : events[0].fields) fields.push_back(f.name);
  EXPECT_THAT(fields, testing::Contains("filename"));
}

TEST_F(Catalog, UserFunctionsAndUsdtProbesOfABinary) {
  EXPECT_THAT(names(with_self("uprobe:{SELF}:sonde_sema_*")),
              testing::ElementsAre(with_self("uprobe:{SELF}:sonde_sema_probed")));
  EXPECT_THAT(names(with_self("usdt:{SELF}")),
              testing::ElementsAre(with_self("usdt:{SELF}:sonde:tick")));
}

TEST_F(Catalog, KernelFunctionsAndHardwareOnlyWhenAskedFor) {
  auto all = names("");
  for (const auto& n : all) {
    EXPECT_FALSE(n.starts_with("kprobe:") || n.starts_with("hardware:") || n.starts_with("uprobe:"))
        << n;
  }
  EXPECT_THAT(all, testing::Contains("profile:hz:N"));
  EXPECT_THAT(all, testing::Contains("software:page-faults"));
  // After a kind, a word matches anywhere, as it does alone.
  auto vfs_read = names("kprobe:vfs_read");
  EXPECT_THAT(vfs_read, testing::Contains("kprobe:vfs_read"));
  EXPECT_THAT(vfs_read, testing::Each(testing::StartsWith("kprobe:")));
  EXPECT_THAT(vfs_read, testing::Each(testing::HasSubstr("vfs_read")));
  EXPECT_THAT(names("hardware:*"), testing::Contains("hardware:instructions"));
}

TEST_F(Catalog, MistakesAreErrors) {
  auto unknown =
      list_probes("kprob:*", false, shared_kernel(), checker_.definitions(), checker_.sources());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown probe kind 'kprob'; did you mean 'kprobe'?");
  auto no_binary =
      list_probes("uprobe:*", false, shared_kernel(), checker_.definitions(), checker_.sources());
  ASSERT_FALSE(no_binary.ok());
  EXPECT_EQ(no_binary.error().message, "listing uprobe probes needs the path of a binary");
}

}  // namespace
}  // namespace sonde::sema
