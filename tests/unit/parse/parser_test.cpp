#include <gtest/gtest.h>

#include "compiler/ast/printer.h"
#include "compiler/parse/parser.h"

namespace sonde::parse {
namespace {

struct Case {
  const char* source;
  const char* expected;  // printed AST, or the rendered diagnostics
};

std::string run(const std::string& source) {
  ast::SourceManager sources;
  ast::Diagnostics diags;
  uint32_t file = sources.add("<input>", source);
  ast::Program program = parse(sources, file, diags);
  if (diags.has_errors()) return diags.render(sources);
  return ast::print(program);
}

class ParsesTo : public testing::TestWithParam<Case> {};

TEST_P(ParsesTo, Exactly) {
  EXPECT_EQ(run(GetParam().source), GetParam().expected) << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(
    Statements, ParsesTo,
    testing::Values(
        Case{"on tracepoint:timer:timer_start count by ksym(func)",
             "(metric tracepoint:timer:timer_start count by (ksym func))\n"},
        Case{"histogram log2 latency of block rq",
             "(metric latency-of \"block rq\" histogram log2)\n"},
        Case{"slo \"reads\" objective 99.95% window 4w: block_slo <= 10ms where op == \"read\"",
             "(slo \"reads\" 99.95% 2419200s (<= block_slo 10000000) where (== op \"read\"))\n"},
        Case{"slo \"ok\" objective 99%: http where status != 500 && status != 503",
             "(slo \"ok\" 99% 2592000s http where (&& (!= status 500) (!= status 503)))\n"},
        Case{"slo \"ok\" objective 90%: good / all",
             "(slo \"ok\" 90% 2592000s (/ good all))\n"},
        Case{"on tracepoint:x:y where window == 1 count by objective as slo",
             "(metric tracepoint:x:y where (== window 1) count by objective as slo)\n"},
        Case{"histogram log2 latency of block rq by disk, op",
             "(metric latency-of \"block rq\" histogram log2 by disk op)\n"},
        Case{"histogram log2 latency of syscall read by comm",
             "(metric latency-of \"syscall read\" histogram log2 by comm)\n"},
        Case{
            "on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 65536) bytes",
            "(metric tracepoint:block:block_rq_issue histogram linear(0, 1048576, 65536) bytes)\n"},
        Case{"on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm as read_bytes",
             "(metric tracepoint:syscalls:sys_exit_read where (> ret 0) sum ret by comm as "
             "read_bytes)\n"},
        Case{"on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm",
             "(metric tracepoint:raw_syscalls:sys_enter count by (syscall id) comm)\n"},
        Case{"on uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc histogram log2 arg0 by comm",
             "(metric uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc histogram log2 arg0 by "
             "comm)\n"},
        Case{"on profile:hz:99 count by kstack", "(metric profile:hz:99 count by kstack)\n"},
        Case{"on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED count by "
             "comm",
             "(metric tracepoint:sock:inet_sock_set_state where (== newstate TCP_ESTABLISHED) "
             "count by comm)\n"},
        Case{"on tracepoint:syscalls:sys_enter_* count by comm",
             "(metric tracepoint:syscalls:sys_enter_* count by comm)\n"},
        Case{"on exec count by comm", "(metric event exec count by comm)\n"},
        Case{"on tracepoint:syscalls:sys_enter_read sum count by comm",
             "(metric tracepoint:syscalls:sys_enter_read sum count by comm)\n"},
        Case{"on tracepoint:a:b count by comm as process as execs",
             "(metric tracepoint:a:b count by process=comm as execs)\n"},
        Case{"on tracepoint:a:b count by process = comm, pid capacity 100",
             "(metric tracepoint:a:b count by process=comm pid capacity 100)\n"},
        Case{"on tracepoint:a:b count by pid, comm capacity 100 ttl 5m as execs",
             "(metric tracepoint:a:b count by pid comm capacity 100 ttl 300000000000ns as "
             "execs)\n"},
        Case{"on tracepoint:a:b count by pid ttl 0",
             "(metric tracepoint:a:b count by pid ttl 0ns)\n"},
        // `ttl` is a keyword only in the tail: a field may be called so.
        Case{"on tracepoint:a:b where ttl > 1 count by ttl",
             "(metric tracepoint:a:b where (> ttl 1) count by ttl)\n"},
        Case{"on tracepoint:a:b where x + 2 * 3 == 8 && !(y < 1 || z != 2) & 4 count",
             "(metric tracepoint:a:b where (&& (== (+ x (* 2 3)) 8) (& (! (|| (< y 1) (!= z 2))) "
             "4)) count)\n"},
        Case{"on tracepoint:a:b where comm == \"nginx\" max prev.pid - -1",
             "(metric tracepoint:a:b where (== comm \"nginx\") max (- (. prev pid) (- 1)))\n"},
        Case{"on tracepoint:a:b where latency > 10ms count",
             "(metric tracepoint:a:b where (> latency 10000000) count)\n"},
        Case{"on tracepoint:a:b histogram linear(-10, 10, 5) x",
             "(metric tracepoint:a:b histogram linear(-10, 10, 5) x)\n"},
        // Bucket schemes keep each number's unit, for sema to check.
        Case{"histogram log2(1us, 10s) latency of syscall read",
             "(metric latency-of \"syscall read\" histogram log2(1000ns, 10000000000ns))\n"},
        Case{"histogram buckets(1ms, 5ms, 10ms) latency of syscall read by comm",
             "(metric latency-of \"syscall read\" histogram buckets(1000000ns, 5000000ns, "
             "10000000ns) by comm)\n"},
        Case{"on tracepoint:a:b histogram buckets(-1, 0, 4KiB) x",
             "(metric tracepoint:a:b histogram buckets(-1, 0, 4096B) x)\n"},
        // `buckets` is still a name where a value is expected.
        Case{"on tracepoint:a:b histogram buckets",
             "(metric tracepoint:a:b histogram log2 buckets)\n"},
        Case{"on tracepoint:a:b sum buckets by buckets",
             "(metric tracepoint:a:b sum buckets by buckets)\n"},
        Case{
            "# comment only line\non tracepoint:a:b count # trailing\n\n; on tracepoint:a:c count;",
            "(metric tracepoint:a:b count)\n(metric tracepoint:a:c count)\n"},
        Case{"span block rq {\n  start tracepoint:block:block_rq_issue key dev, sector\n"
             "  end tracepoint:block:block_rq_complete key dev, sector\n  label disk = disk(dev), "
             "op = op(rwbs)\n}",
             "(span \"block rq\" (start tracepoint:block:block_rq_issue key dev sector) (end "
             "tracepoint:block:block_rq_complete key dev sector) (label disk=(disk dev) op=(op "
             "rwbs)))\n"},
        Case{"span syscall $name { start tracepoint:syscalls:sys_enter_$name key tid; end "
             "tracepoint:syscalls:sys_exit_$name where ret >= 0 key tid }",
             "(span \"syscall $name\" (start tracepoint:syscalls:sys_enter_$name key tid) (end "
             "tracepoint:syscalls:sys_exit_$name where (>= ret 0) key tid))\n"},
        Case{"event exec = tracepoint:sched:sched_process_exec where pid > 1",
             "(event exec tracepoint:sched:sched_process_exec where (> pid 1))\n"},
        Case{"alias tracepoint:timer:timer_start func = function",
             "(alias tracepoint:timer:timer_start func function)\n"},
        Case{"use \"defs/net.sonde\"", "(use \"defs/net.sonde\")\n"},
        Case{"on tracepoint:sched:sched_process_exec where pid > 1 print pid, c = comm, probe",
             "(metric tracepoint:sched:sched_process_exec where (> pid 1) print pid c=comm "
             "probe)\n"},
        Case{"on exec print print", "(metric event exec print print)\n"},
        Case{"print latency of syscall read where latency > 10ms by comm",
             "(metric latency-of \"syscall read\" where (> latency 10000000) print "
             "latency_ns=latency comm)\n"}));

INSTANTIATE_TEST_SUITE_P(
    SyntaxErrors, ParsesTo,
    testing::Values(
        Case{"tracepoint:timer:timer_start count",
             "<input>:1:1: error: unexpected 'tracepoint:timer:timer_start' at the start of a "
             "statement\n"
             "tracepoint:timer:timer_start count\n"
             "^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
             "hint: probes follow 'on': on tracepoint:timer:timer_start count\n"},
        Case{"on tracepoint:timer:timer_start by comm",
             "<input>:1:33: error: expected an aggregation, found 'by'\n"
             "on tracepoint:timer:timer_start by comm\n"
             "                                ^~\n"
             "hint: aggregations: count, sum EXPR, min EXPR, max EXPR, avg EXPR, gauge EXPR, "
             "histogram log2 EXPR, histogram linear(LOW, HIGH, STEP) EXPR or histogram "
             "buckets(B1, B2, ...) EXPR; or 'print EXPR, ...' to see each event\n"},
        Case{"on where count",
             "<input>:1:4: error: expected a probe, found 'where'\non where count\n   ^~~~~\n"
             "hint: probes look like tracepoint:CATEGORY:NAME, uprobe:PATH:SYMBOL, profile:hz:99, "
             "or the "
             "name of an event\n"},
        Case{"on tracepoint:a:b count by",
             "<input>:1:27: error: expected an expression, found end of input\n"
             "on tracepoint:a:b count by\n                          ^\n"},
        Case{"on tracepoint:a:b where x > count",
             "<input>:1:34: error: expected an aggregation, found end of input\non tracepoint:a:b "
             "where x > count\n"
             "                                 ^\nhint: aggregations: count, sum EXPR, min EXPR, "
             "max EXPR, avg EXPR, gauge "
             "EXPR, histogram log2 EXPR, histogram linear(LOW, HIGH, STEP) EXPR or histogram "
             "buckets(B1, B2, ...) EXPR; or 'print EXPR, ...' to see each event\n"},
        Case{"on tracepoint:a:b count by comm @",
             "<input>:1:33: error: unexpected character '@'\non tracepoint:a:b count by comm @\n"
             "                                ^\nhint: sonde has no @maps: write an aggregation, "
             "e.g. 'on PROBE count by "
             "comm'\n"},
        Case{"on tracepoint:a:b where comm == 'x' count",
             "<input>:1:33: error: unexpected character '''\non tracepoint:a:b where comm == 'x' "
             "count\n"
             "                                ^\nhint: strings are written in double quotes: "
             "\"nginx\"\n"},
        Case{"on tracepoint:a:b count by 12q",
             "<input>:1:28: error: unknown unit 'q' (durations: ns, us, ms, s, m, h; "
             "sizes: B, KiB, MiB, GiB, KB, MB, GB): '12q'\non tracepoint:a:b count by "
             "12q\n                           ^~~\n"},
        Case{"on tracepoint:a:b count by pid ttl 5",
             "<input>:1:36: error: ttl needs a duration, not '5'\non tracepoint:a:b count by pid "
             "ttl 5\n                                   ^\nhint: write a duration such as ttl 10m "
             "or ttl 30s (ttl 0 keeps series for ever)\n"},
        Case{"on tracepoint:a:b count by pid ttl 500ms",
             "<input>:1:36: error: ttl must be at least 1s\non tracepoint:a:b count by pid ttl "
             "500ms\n                                   ^~~~~\nhint: series are checked for expiry "
             "about once a second\n"},
        Case{"histogram log2 of block rq",
             "<input>:1:16: error: expected 'latency of SPAN', found 'of'\n"
             "histogram log2 of block rq\n               ^~\n"
             "hint: without 'on PROBE', a statement measures a span: histogram log2 "
             "latency of block rq\n"}));

// Nesting is bounded before anything recurses over it: 50,000 levels used to crash
// sonde on its stack, 150 chained operators its C compile.
std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Nesting, SixtyFourLevelsParse) {
  const std::string parens =
      "on tracepoint:a:b where " + repeat("(", 63) + "x" + repeat(")", 63) + " count";
  EXPECT_EQ(run(parens).find("error"), std::string::npos) << run(parens);
  std::string chain = "on tracepoint:a:b sum x" + repeat(" + x", 63);
  EXPECT_EQ(run(chain).find("error"), std::string::npos) << run(chain);
}

TEST(Nesting, DeeperIsAnErrorAtTheFirstLevelTooMany) {
  const char* kMessage = "error: this expression nests more than 64 levels deep";
  for (const std::string& source :
       {"on tracepoint:a:b where " + repeat("(", 50000) + "x" + repeat(")", 50000) + " count",
        "on tracepoint:a:b where " + repeat("!", 50000) + "x count",
        "on tracepoint:a:b where " + repeat("-(", 25000) + "x" + repeat(")", 25000) + " count",
        "on tracepoint:a:b count by " + repeat("f(", 50000) + "x" + repeat(")", 50000),
        "on tracepoint:a:b count by x" + repeat("[x", 50000) + repeat("]", 50000),
        "on tracepoint:a:b sum x" + repeat(" + x", 50000),
        "on tracepoint:a:b sum x" + repeat(".y", 50000),
        "span s { start tracepoint:a:b key " + repeat("(", 100) + "x" + repeat(")", 100) + " }"}) {
    std::string out = run(source);
    EXPECT_NE(out.find(kMessage), std::string::npos) << out.substr(0, 300);
    EXPECT_EQ(out.find("error", out.find(kMessage) + 1), std::string::npos)
        << "said more than once";
  }
  EXPECT_EQ(run("on tracepoint:a:b where " + repeat("(", 65) + "x" + repeat(")", 65) + " count")
                .substr(0, 33),
            "<input>:1:89: error: this express");
}

// ANTLR's input stream throws on invalid UTF-8 (found by fuzz_source): a located error.
TEST(Encoding, InvalidUtf8IsALocatedError) {
  EXPECT_EQ(run("on tracepoint:a:b count # caf\xc3\xa9 \xff\xfe"),
            "<input>:1:33: error: invalid UTF-8 (byte 0xff)\n"
            "on tracepoint:a:b count # caf\xc3\xa9 \xff\xfe\n"
            "                                ^\n"  // columns count bytes, as clang's do
            "hint: a sonde program is UTF-8 text: check the file's encoding\n");
  // An overlong form of '/': not UTF-8 either.
  EXPECT_EQ(run("on tracepoint:a:b where comm == \"\xc0\xaf\" count").substr(0, 47),
            "<input>:1:34: error: invalid UTF-8 (byte 0xc0)\n");
  EXPECT_EQ(run("# caf\xc3\xa9\non tracepoint:a:b count").find("error"), std::string::npos);
}

}  // namespace
}  // namespace sonde::parse

namespace sonde::parse {
namespace {

// Parsing is linear in the input: no decision looks further ahead on a megabyte of
// comments and blank lines (before and after statements, and inside a span) than on a
// short program. (Leading separators once made each decision look to the end of the run:
// 16,000 comment lines took 3.6 s to check.)
TEST(Linear, RunsOfSeparatorsNeedNoLongLookahead) {
  const std::string statement = "on tracepoint:sched:sched_switch count by prev_pid\n";
  const size_t small = max_lookahead("\n\n# c\n" + statement + "\n# c\n\n");
  std::string comments;
  while (comments.size() < (1u << 20))
    comments += "# a comment line that is part of a megabyte\n\n";
  const std::string big = comments + statement + comments + statement + comments;
  EXPECT_LE(small, 8u);
  EXPECT_EQ(max_lookahead(big), small);
  const std::string span = "span x {\n" + comments + "  start tracepoint:a:b key pid\n" + comments +
                           "  end tracepoint:a:c key pid\n" + comments + "}\n" + comments;
  EXPECT_LE(max_lookahead(span), small);
  EXPECT_LE(max_lookahead(comments), small);
}

}  // namespace
}  // namespace sonde::parse
