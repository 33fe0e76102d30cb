// Completion against fixed answers: which words are offered where.
#include "tools/sonde/repl/completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "compiler/parse/keywords.h"
#include "compiler/parse/lexer.h"
#include "tools/sonde/repl/commands.h"

namespace sonde::repl {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class FakeSource : public CompletionSource {
 public:
  std::vector<std::string> probe_kinds() override {
    return {"tracepoint", "rawtracepoint", "uprobe", "profile"};
  }
  std::string canonical_kind(const std::string& kind) override {
    if (kind == "t" || kind == "tp") return "tracepoint";
    if (kind == "u") return "uprobe";
    return kind;
  }
  std::vector<std::string> tracepoint_categories() override {
    return {"sched", "signal", "syscalls", "timer"};
  }
  std::vector<std::string> tracepoint_names(const std::string& category) override {
    std::vector<std::string> out;
    for (const auto& [c, names] : tracepoints_) {
      if (category.empty() || c == category) out.insert(out.end(), names.begin(), names.end());
    }
    return out;
  }
  std::vector<std::string> event_names() override { return {"exec", "exit"}; }
  std::vector<std::vector<std::string>> spans() override {
    return {{"block", "rq"}, {"sched", "runq"}, {"syscall", "$name"}};
  }
  std::vector<std::string> span_parameter_values(const std::vector<std::string>& words,
                                                 size_t index) override {
    if (words[0] == "syscall" && index == 1) return {"read", "readv", "write"};
    return {};
  }
  std::vector<std::string> probe_names(const std::string& probe) override {
    if (probe == "tracepoint:sched:sched_switch" || probe == "t:sched:sched_switch") {
      return {"prev_comm", "prev_pid", "prev_prio", "prev_state",
              "next_comm", "next_pid", "pid",       "comm"};
    }
    if (probe == "exec") return {"filename", "pid", "old_pid", "comm"};
    return {"pid", "comm"};
  }
  std::vector<std::string> span_statement_names(const std::vector<std::string>& words) override {
    if (words == std::vector<std::string>{"block", "rq"}) return {"latency", "disk", "op", "dev"};
    return {"latency"};
  }
  std::vector<std::string> statement_numbers() override { return {"1", "3"}; }

 private:
  std::map<std::string, std::vector<std::string>> tracepoints_ = {
      {"sched", {"sched_process_exec", "sched_switch", "sched_wakeup"}},
      {"signal", {"signal_deliver"}},
      {"syscalls", {"sys_enter_read", "sys_exit_read"}},
      {"timer", {"timer_start"}},
  };
};

struct Offered {
  std::string replaced;  // the text the candidates replace
  std::vector<std::string> candidates;
};

Offered offer(const std::string& text) {
  FakeSource source;
  Completion c = complete(text, source, command_names());
  return {text.substr(c.start), c.candidates};
}

TEST(Completion, TracepointCategoryAfterKind) {
  Offered o = offer("on tracepoint:sch");
  EXPECT_EQ(o.replaced, "sch");
  EXPECT_THAT(o.candidates, ElementsAre("sched:"));
}

TEST(Completion, TracepointCategoriesWithAShortKind) {
  EXPECT_THAT(offer("on t:s").candidates, ElementsAre("sched:", "signal:", "syscalls:"));
}

TEST(Completion, TracepointNamesOfTheCategory) {
  Offered o = offer("on tracepoint:sched:sched_s");
  EXPECT_EQ(o.replaced, "sched_s");
  EXPECT_THAT(o.candidates, ElementsAre("sched_switch"));
}

TEST(Completion, ProbeKindsAndEventsAfterOn) {
  EXPECT_THAT(offer("on ").candidates,
              ElementsAre("exec", "exit", "profile:", "rawtracepoint:", "tracepoint:", "uprobe:"));
  EXPECT_THAT(offer("on tr").candidates, ElementsAre("tracepoint:"));
  EXPECT_THAT(offer("on ex").candidates, ElementsAre("exec", "exit"));
}

TEST(Completion, RawTracepointsByName) {
  EXPECT_THAT(offer("on rawtracepoint:sched_w").candidates, ElementsAre("sched_wakeup"));
}

TEST(Completion, FieldsOfTheProbeBeingTyped) {
  Offered o = offer("on tracepoint:sched:sched_switch where prev_");
  EXPECT_EQ(o.replaced, "prev_");
  EXPECT_THAT(o.candidates, ElementsAre("prev_comm", "prev_pid", "prev_prio", "prev_state"));
}

TEST(Completion, FieldsInKeysAndOperands) {
  EXPECT_THAT(offer("on t:sched:sched_switch count by next_").candidates,
              ElementsAre("next_comm", "next_pid"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch sum prev_p").candidates,
              ElementsAre("prev_pid", "prev_prio"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch where prev_pid > 0 && next_p").candidates,
              ElementsAre("next_pid"));
}

TEST(Completion, FieldsOfAnEvent) {
  EXPECT_THAT(offer("on exec count by fi").candidates, ElementsAre("filename"));
}

TEST(Completion, DecodersAreCalls) {
  EXPECT_THAT(offer("on tracepoint:timer:timer_start count by ks").candidates,
              ElementsAre("ksym("));
  EXPECT_THAT(offer("on tracepoint:timer:timer_start count by ksym(p").candidates,
              ElementsAre("pid", "pod(", "pod_uid("));
}

TEST(Completion, WhatFollowsAProbe) {
  EXPECT_THAT(
      offer("on tracepoint:sched:sched_switch ").candidates,
      ElementsAre("avg", "count", "gauge", "histogram", "max", "min", "print", "sum", "where"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch where prev_pid > 0 p").candidates,
              Contains("print"));
  // After `print`, its fields: no `by`, `as NAME` or `capacity`.
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch print prev_pid, next_c").candidates,
              ElementsAre("next_comm"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch count ").candidates,
              ElementsAre("as", "by", "capacity", "ttl"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch where prev_pid > 0 c").candidates,
              ElementsAre("cgroup(", "comm", "container(", "container_id(", "count"));
}

TEST(Completion, AFieldCalledLikeAnAggregationIsStillAPredicate) {
  // `count` right after `where` is a field; the aggregation has not come yet.
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch where count > 1 ").candidates,
              Contains("count"));
}

TEST(Completion, HistogramSchemes) {
  EXPECT_THAT(offer("histogram ").candidates, ElementsAre("buckets(", "linear(", "log2"));
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch histogram l").candidates,
              ElementsAre("linear(", "log2"));
}

TEST(Completion, SpanStatements) {
  EXPECT_THAT(offer("histogram log2 ").candidates, ElementsAre("latency"));
  EXPECT_THAT(offer("histogram log2 latency ").candidates, ElementsAre("of"));
  EXPECT_THAT(offer("histogram log2 latency of ").candidates,
              ElementsAre("block", "sched", "syscall"));
  EXPECT_THAT(offer("count latency of block ").candidates, ElementsAre("rq"));
  EXPECT_THAT(offer("histogram log2 latency of block rq ").candidates,
              ElementsAre("as", "by", "capacity", "ttl", "where"));
  EXPECT_THAT(offer("histogram log2 latency of block rq by d").candidates,
              ElementsAre("dev", "digits(", "disk", "disk("));
}

TEST(Completion, SpanParameters) {
  EXPECT_THAT(offer("histogram log2 latency of syscall rea").candidates,
              ElementsAre("read", "readv"));
}

TEST(Completion, StatementStarters) {
  EXPECT_THAT(offer("").candidates, Contains("on"));
  EXPECT_THAT(offer("hi").candidates, ElementsAre("histogram"));
  EXPECT_THAT(offer("on a:b:c count; hi").candidates, ElementsAre("histogram"));
}

TEST(Completion, InsideASpanDefinition) {
  EXPECT_THAT(offer("span my rq {\n  st").candidates, ElementsAre("start"));
  EXPECT_THAT(offer("span my rq {\n  start tracepoint:sch").candidates, ElementsAre("sched:"));
  EXPECT_THAT(offer("span my rq {\n  start tracepoint:sched:sched_switch ").candidates,
              ElementsAre("key", "where"));
  EXPECT_THAT(offer("span my rq {\n  end tracepoint:sched:sched_switch key next_").candidates,
              ElementsAre("next_comm", "next_pid"));
}

TEST(Completion, EventAndAliasDefinitions) {
  EXPECT_THAT(offer("event e = tracepoint:sch").candidates, ElementsAre("sched:"));
  EXPECT_THAT(offer("event e ").candidates, IsEmpty());
  EXPECT_THAT(offer("alias t:sched:sched_switch who = prev_c").candidates,
              ElementsAre("prev_comm"));
}

TEST(Completion, NothingAfterAsOrCapacity) {
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch count as ").candidates, IsEmpty());
  EXPECT_THAT(offer("on tracepoint:sched:sched_switch count capacity ").candidates, IsEmpty());
}

TEST(Completion, Commands) {
  Offered o = offer(":de");
  EXPECT_EQ(o.replaced, ":de");
  EXPECT_THAT(o.candidates, ElementsAre(":describe", ":detach"));
  EXPECT_THAT(offer(":q").candidates, ElementsAre(":q", ":quit"));
}

TEST(Completion, CommandArguments) {
  EXPECT_THAT(offer(":detach ").candidates, ElementsAre("1", "3", "all"));
  EXPECT_THAT(offer(":c ").candidates, ElementsAre("1", "3"));
  EXPECT_THAT(offer(":describe tracepoint:sch").candidates, ElementsAre("sched:"));
  EXPECT_THAT(offer(":describe bl").candidates, ElementsAre("block"));
  EXPECT_THAT(offer(":describe block ").candidates, ElementsAre("rq"));
  EXPECT_THAT(offer(":list ").candidates, IsEmpty());
}

TEST(Completion, FilePaths) {
  std::string dir = ::testing::TempDir() + "repl_completion_" + std::to_string(getpid());
  std::filesystem::create_directories(dir + "/probes");
  std::ofstream(dir + "/probes.sonde") << "";
  std::ofstream(dir + "/.hidden") << "";
  Offered o = offer(":save " + dir + "/pro");
  EXPECT_EQ(o.replaced, "pro");
  EXPECT_THAT(o.candidates, ElementsAre("probes.sonde", "probes/"));
  EXPECT_THAT(offer(":save " + dir + "/").candidates, Not(Contains(".hidden")));
  EXPECT_THAT(offer("on uprobe:" + dir + "/probes.s").candidates, ElementsAre("probes.sonde"));
  std::filesystem::remove_all(dir);
}

// The keywords completion names itself are keywords of the grammar, as its lexer cuts them.
TEST(CompletionKeywords, AreKeywordsOfTheGrammar) {
  for (std::string_view word : keyword::kAll) {
    std::vector<parse::Token> tokens = parse::lex(word);
    ASSERT_EQ(tokens.size(), 1u) << word;
    EXPECT_EQ(tokens[0].kind, parse::TokenKind::kKeyword) << "'" << word << "' is no keyword";
    EXPECT_EQ(tokens[0].end, word.size()) << word;
  }
}

// Every keyword the grammar lets start a statement, a span item or a metric's tail is
// offered there.
TEST(CompletionKeywords, OffersEveryKeywordTheGrammarExpects) {
  using parse::KeywordPlace;
  const std::vector<std::string> starters = parse::keywords_at(KeywordPlace::kStatement);
  ASSERT_THAT(starters, Contains("on"));  // the grammar was read at all
  for (const auto& k : starters) EXPECT_THAT(offer("").candidates, Contains(k));
  const std::vector<std::string> items = parse::keywords_at(KeywordPlace::kSpanItem);
  ASSERT_THAT(items, Contains("start"));
  for (const auto& k : items) EXPECT_THAT(offer("span my rq {\n  ").candidates, Contains(k));
  const std::vector<std::string> tail = parse::keywords_at(KeywordPlace::kTail);
  ASSERT_THAT(tail, Contains("by"));
  for (const auto& k : tail) {
    EXPECT_THAT(offer("on tracepoint:sched:sched_switch count ").candidates, Contains(k));
    EXPECT_THAT(offer("count latency of block rq ").candidates, Contains(k));
  }
  std::vector<std::string> schemes;
  for (auto s : offer("histogram ").candidates) {
    if (s.ends_with("(")) s.pop_back();
    schemes.push_back(s);
  }
  EXPECT_EQ(schemes, parse::keywords_at(KeywordPlace::kScheme));
}

// Each of those is a keyword of the lexer too.
TEST(CompletionKeywords, GrammarPlacesHoldKeywords) {
  const std::vector<std::string> all = parse::keywords();
  for (auto place : {parse::KeywordPlace::kStatement, parse::KeywordPlace::kSpanItem,
                     parse::KeywordPlace::kTail, parse::KeywordPlace::kScheme}) {
    for (const auto& k : parse::keywords_at(place)) EXPECT_THAT(all, Contains(k));
  }
  EXPECT_THAT(all, Contains("where"));
  EXPECT_THAT(all, Not(Contains("tracepoint")));
}

TEST(Completion, PrintOfASpan) {
  EXPECT_THAT(offer("pri").candidates, ElementsAre("print"));
  EXPECT_THAT(offer("print ").candidates, ElementsAre("latency"));
  EXPECT_THAT(offer("print latency of bl").candidates, ElementsAre("block"));
  EXPECT_THAT(offer("slo ").candidates, IsEmpty());
}

TEST(CommonPrefix, OfCandidates) {
  EXPECT_EQ(common_prefix({"prev_comm", "prev_pid"}), "prev_");
  EXPECT_EQ(common_prefix({"sched:"}), "sched:");
  EXPECT_EQ(common_prefix({}), "");
}

}  // namespace
}  // namespace sonde::repl
