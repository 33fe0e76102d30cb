// Alias and span-label expansion: an error inside a definition is reported at the use,
// with a note pointing into the definition (one per level of a chain, up to three); and
// a check rejects only through a diagnostic, by construction of its result type.
#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

#include "compiler/sema/verdict.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

// Nothing but Diagnostics::reject() makes a rejection, and a Verdict is rejected only
// from one: no `return false`, no default that rejects.
static_assert(!std::is_default_constructible_v<ast::Rejection>);
static_assert(!std::is_constructible_v<Verdict, bool>);
static_assert(!std::is_default_constructible_v<Verdict>);
static_assert(!std::is_constructible_v<Checked<std::vector<int>>, bool>);
static_assert(!std::is_convertible_v<Verdict, bool>);  // explicit: never lost in an int

TEST(Verdict, RejectedOnlyWithTheErrorAdded) {
  ast::Diagnostics diags;
  Verdict ok = accepted();
  EXPECT_TRUE(ok);
  Verdict no = diags.reject({}, "why", "what to do");
  EXPECT_FALSE(no);
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.all()[0].message, "why");
  Checked<int> value = 7;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 7);
  Checked<int> none = Checked<int>::rejected(no);
  EXPECT_FALSE(none);
  EXPECT_FALSE(none.verdict());
}

TEST(Expansion, AnAliasErrorIsReportedAtTheUseWithANoteAtTheDefinition) {
  Checker checker;
  EXPECT_EQ(checker.check("alias tracepoint:sched:sched_switch bad = prev_comm + 1\n"
                          "on tracepoint:sched:sched_switch count by bad"),
            "<input>:2:43: error: operator '+' needs numbers, not a string (up to 16 bytes)\n"
            "on tracepoint:sched:sched_switch count by bad\n"
            "                                          ^~~\n"
            "hint: strings can only be compared, with == and !=\n"
            "<input>:1:43: note: in alias 'bad', defined here\n"
            "alias tracepoint:sched:sched_switch bad = prev_comm + 1\n"
            "                                          ^~~~~~~~~\n");
}

TEST(Expansion, EachDefinitionOnTheWayIsNotedFromTheUseInwards) {
  Checker checker;
  EXPECT_EQ(checker.check("alias tracepoint:sched:sched_switch inner = prev_comm * 2\n"
                          "alias tracepoint:sched:sched_switch outer = inner + 1\n"
                          "on tracepoint:sched:sched_switch where outer > 3 count"),
            "<input>:3:40: error: operator '*' needs numbers, not a string (up to 16 bytes)\n"
            "on tracepoint:sched:sched_switch where outer > 3 count\n"
            "                                       ^~~~~\n"
            "hint: strings can only be compared, with == and !=\n"
            "<input>:2:45: note: in alias 'outer', defined here\n"
            "alias tracepoint:sched:sched_switch outer = inner + 1\n"
            "                                            ^~~~~\n"
            "<input>:1:45: note: in alias 'inner', defined here\n"
            "alias tracepoint:sched:sched_switch inner = prev_comm * 2\n"
            "                                            ^~~~~~~~~\n");
}

TEST(Expansion, ASpanLabelErrorIsReportedAtTheUseWithANoteAtTheDefinition) {
  Checker checker;
  EXPECT_EQ(checker.check("span my wake {\n"
                          "  start tracepoint:sched:sched_wakeup key pid\n"
                          "  end tracepoint:sched:sched_switch key next_pid\n"
                          "  label sym = ksym(next_pid)\n"
                          "}\n"
                          "count latency of my wake where sym == 1"),
            "<input>:6:32: error: ksym() turns kernel addresses into function names in user "
            "space; it can only be a label (in 'by')\n"
            "count latency of my wake where sym == 1\n"
            "                               ^~~\n"
            "<input>:4:15: note: in label 'sym', defined here\n"
            "  label sym = ksym(next_pid)\n"
            "              ^~~~~~~~~~~~~~\n");
}

// Each use of a statement is its own report: the second use is not moved twice.
TEST(Expansion, TwoStatementsUsingTheAliasEachGetTheirReport) {
  Checker checker;
  const std::string out = checker.check(
      "alias tracepoint:sched:sched_switch bad = prev_comm + 1\n"
      "on tracepoint:sched:sched_switch count by bad\n"
      "on tracepoint:sched:sched_switch sum prev_pid by b = bad");
  EXPECT_NE(out.find("<input>:2:43: error: operator '+'"), std::string::npos) << out;
  EXPECT_NE(out.find("<input>:3:54: error: operator '+'"), std::string::npos) << out;
  size_t notes = 0;
  for (size_t at = out.find("note: in alias 'bad', defined here"); at != std::string::npos;
       at = out.find("note: in alias 'bad', defined here", at + 1))
    ++notes;
  EXPECT_EQ(notes, 2u) << out;
}

}  // namespace
}  // namespace sonde::sema
