#include "support/text.h"

#include <gtest/gtest.h>

namespace sonde {
namespace {

TEST(DidYouMean, EndsAMessageWithTheClosestCandidate) {
  const std::vector<std::string> kinds = {"tracepoint", "uprobe", "usdt"};
  EXPECT_EQ(did_you_mean("tracepiont", kinds), "; did you mean 'tracepoint'?");
  EXPECT_EQ(did_you_mean("usdt", kinds), "; did you mean 'usdt'?");
}

TEST(DidYouMean, SaysNothingWhenNoCandidateIsClose) {
  EXPECT_EQ(did_you_mean("kprobe", {"tracepoint", "usdt"}), "");
  EXPECT_EQ(did_you_mean("x", {}), "");
}

TEST(DidYouMean, IsAWholeHintWithNoLead) {
  EXPECT_EQ(did_you_mean("sched_swtich", {"sched_switch", "sched_wakeup"}, ""),
            "did you mean 'sched_switch'?");
}

}  // namespace
}  // namespace sonde
