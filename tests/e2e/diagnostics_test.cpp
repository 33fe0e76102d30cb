// Bad input, table-driven: each malformed or ill-typed program gets its exact
// diagnostic (checked against the running kernel), exit code 1, and no crash.
#include <gtest/gtest.h>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

struct Case {
  const char* name;
  const char* program;
  const char* diagnostic;  // sonde check's stderr, exactly
};

class BadInput : public testing::TestWithParam<Case> {};

TEST_P(BadInput, ExactDiagnosticAndExitOne) {
  const Case& c = GetParam();
  Exit e = run_sonde({"check", "-e", c.program});
  EXPECT_EQ(e.signal, 0) << "crashed";
  EXPECT_EQ(e.code, 1);
  EXPECT_EQ(e.err, c.diagnostic);
  EXPECT_EQ(e.out, "");
}

const Case kCases[] = {
    {"EmptyProgram", "",
     "error: the program is empty\nhint: write a statement, e.g. on "
     "tracepoint:sched:sched_process_exec count by comm\n"},
    {"OnlyAComment", "# nothing here\n",
     "error: the program is empty\nhint: write a statement, e.g. on "
     "tracepoint:sched:sched_process_exec count by comm\n"},
    {"MissingOn", "tracepoint:timer:timer_start count",
     "<input>:1:1: error: unexpected 'tracepoint:timer:timer_start' at the start of a statement\n"
     "tracepoint:timer:timer_start count\n^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
     "hint: probes follow 'on': on tracepoint:timer:timer_start count\n"},
    {"MissingAggregation", "on tracepoint:timer:timer_start by comm",
     "<input>:1:33: error: expected an aggregation, found 'by'\non tracepoint:timer:timer_start by "
     "comm\n"
     "                                ^~\nhint: aggregations: count, sum EXPR, min EXPR, max EXPR, "
     "avg EXPR, gauge EXPR, "
     "histogram log2 EXPR, histogram linear(LOW, HIGH, STEP) EXPR or histogram buckets(B1, B2, "
     "...) EXPR; or 'print EXPR, ...' to see each event\n"},
    {"DanglingBy", "on tracepoint:timer:timer_start count by",
     "<input>:1:41: error: expected an expression, found end of input\non "
     "tracepoint:timer:timer_start count by\n"
     "                                        ^\n"},
    {"SingleQuotes", "on tracepoint:sched:sched_switch where prev_comm == 'x' count",
     "<input>:1:53: error: unexpected character '''\non tracepoint:sched:sched_switch where "
     "prev_comm == 'x' count\n"
     "                                                    ^\nhint: strings are written in double "
     "quotes: \"nginx\"\n"},
    {"BadUnit", "on tracepoint:timer:timer_start where expires > 10qs count",
     "<input>:1:49: error: unknown unit 'qs' (durations: ns, us, ms, s, m, h; sizes: B, KiB, MiB, "
     "GiB, KB, MB, GB): "
     "'10qs'\non tracepoint:timer:timer_start where expires > 10qs count\n"
     "                                                ^~~~\n"},
    {"UnknownProbeKind", "on tracepint:timer:timer_start count",
     "<input>:1:4: error: unknown probe kind 'tracepint'; did you mean 'tracepoint'?\non "
     "tracepint:timer:timer_start "
     "count\n   ^~~~~~~~~\nhint: probe kinds: tracepoint, rawtracepoint, uprobe, uretprobe, usdt, "
     "profile, software, "
     "hardware, kprobe, kretprobe, fentry, fexit\n"},
    {"UnknownCategory", "on tracepoint:timr:timer_start count",
     "<input>:1:15: error: unknown tracepoint category 'timr'; did you mean 'timer'?\non "
     "tracepoint:timr:timer_start "
     "count\n              ^~~~\nhint: `sonde list tracepoint` shows the tracepoints of this "
     "kernel\n"},
    {"UnknownTracepoint", "on tracepoint:timer:timer_strat count",
     "<input>:1:21: error: unknown tracepoint 'timer:timer_strat'; did you mean 'timer_start'?\non "
     "tracepoint:timer:timer_strat count\n                    ^~~~~~~~~~~\nhint: `sonde list "
     "'tracepoint:timer:*'` "
     "shows the 14 tracepoints in 'timer'\n"},
    {"MalformedProbe", "on tracepoint:timer count",
     "<input>:1:4: error: malformed probe 'tracepoint:timer'\non tracepoint:timer count\n   "
     "^~~~~~~~~~~~~~~~\n"
     "hint: write it as tracepoint:CATEGORY:NAME\n"},
    {"UnknownField", "on tracepoint:timer:timer_start count by ksym(fnction)",
     "<input>:1:47: error: unknown field 'fnction' in tracepoint:timer:timer_start; did you mean "
     "'function'?\n"
     "on tracepoint:timer:timer_start count by ksym(fnction)\n                                     "
     "         ^~~~~~~\n"
     "hint: fields of tracepoint:timer:timer_start: timer, function, expires, bucket_expiry, now, "
     "flags\n"},
    {"UnknownEvent", "on exce count",
     "<input>:1:4: error: unknown event 'exce'; did you mean 'exec'?\non exce count\n   "
     "^~~~\nhint: probes are written "
     "KIND:..., e.g. tracepoint:sched:sched_switch; events: oom, page_fault_user, "
     "page_fault_kernel, page_cache_add, folio_dirtied, writeback_written, tcp_retransmit, "
     "tcp_state, tcp_send, tcp_recv, udp_send, udp_recv, tcp_rtt, packet_drop, exec, exit, "
     "process_exit, fork, exited, signal, cpu_sample\n"},
    {"CountWithValue", "on tracepoint:timer:timer_start count 5",
     "<input>:1:39: error: count takes no value\non tracepoint:timer:timer_start count 5\n"
     "                                      ^\nhint: count counts events; to add up a value use "
     "'sum VALUE', to count "
     "per value use 'count by VALUE'\n"},
    {"SumWithoutValue", "on tracepoint:timer:timer_start sum",
     "<input>:1:33: error: sum needs a value\non tracepoint:timer:timer_start sum\n                "
     "                ^~~\n"
     "hint: write what to aggregate after it, e.g. 'sum ret'\n"},
    {"WrongArityNone", "on tracepoint:timer:timer_start count by ksym()",
     "<input>:1:42: error: ksym() takes 1 argument, not 0\non tracepoint:timer:timer_start count "
     "by ksym()\n"
     "                                         ^~~~~~\n"},
    {"WrongArityTwo", "on tracepoint:timer:timer_start count by ksym(func, func)",
     "<input>:1:42: error: ksym() takes 1 argument, not 2\non tracepoint:timer:timer_start count "
     "by ksym(func, func)\n"
     "                                         ^~~~~~~~~~~~~~~~\n"},
    {"UnknownFunction", "on tracepoint:timer:timer_start count by kysm(func)",
     "<input>:1:42: error: unknown function 'kysm'; did you mean 'ksym'?\non "
     "tracepoint:timer:timer_start count by "
     "kysm(func)\n                                         ^~~~~~~~~~\nhint: functions: ksym, "
     "usym, syscall, errno, "
     "ntop, disk, cgroup, container, container_id, image, pod, pod_uid, namespace, unit, "
     "in_cgroup, inet, "
     "str, syscall_arg, user_u64, startswith, digits, op, ntohs, ntohl, htons, htonl, u8, u16, "
     "u32, u64, s8, s16, s32, s64\n"},
    {"StringComparedWithNumber", "on tracepoint:timer:timer_start where comm == 5 count",
     "<input>:1:39: error: cannot compare a string (up to 16 bytes) with a 64-bit signed integer\n"
     "on tracepoint:timer:timer_start where comm == 5 count\n                                      "
     "^~~~~~~~~\n"
     "hint: compare strings with strings: comm == \"nginx\"\n"},
    {"SumOfAString", "on tracepoint:timer:timer_start sum comm",
     "<input>:1:37: error: cannot aggregate a string (up to 16 bytes); a value must be a number\n"
     "on tracepoint:timer:timer_start sum comm\n                                    ^~~~\n"
     "hint: to count per string, use it as a key: count by ...\n"},
    {"DecoderInPredicate", "on tracepoint:timer:timer_start where ksym(func) == 1 count",
     "<input>:1:39: error: ksym() turns kernel addresses into function names in user space; it can "
     "only be a label "
     "(in 'by')\non tracepoint:timer:timer_start where ksym(func) == 1 count\n                     "
     "                 "
     "^~~~~~~~~~\n"},
    {"LiteralLongerThanField",
     "on tracepoint:timer:timer_start where comm == \"averyveryverylongname\" count",
     "<input>:1:47: error: \"averyveryverylongname\" is longer than the 16 bytes the other side "
     "can hold, so it never "
     "matches\non tracepoint:timer:timer_start where comm == \"averyveryverylongname\" count\n"
     "                                              ^~~~~~~~~~~~~~~~~~~~~~~\n"},
    {"DuplicateLabel", "on tracepoint:timer:timer_start count by comm, comm",
     "<input>:1:48: error: two labels are named 'comm'\non tracepoint:timer:timer_start count by "
     "comm, comm\n"
     "                                               ^~~~\nhint: name one of them with 'NAME = "
     "EXPR'\n"},
    {"DuplicateMetric",
     "on tracepoint:timer:timer_start count; on tracepoint:timer:timer_start count",
     "<input>:1:40: error: metric 'sonde_timer_start_total' is already produced by the statement "
     "at <input>:1:1\n"
     "on tracepoint:timer:timer_start count; on tracepoint:timer:timer_start count\n"
     "                                       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
     "hint: give this statement its own name with 'as NAME'\n"},
    {"ZeroCapacity", "on tracepoint:timer:timer_start count by comm capacity 0",
     "<input>:1:56: error: capacity must be from 1 to 10000000\non tracepoint:timer:timer_start "
     "count by comm capacity "
     "0\n                                                       ^\n"},
    // Spans and histograms.
    {"UnknownSpan", "histogram log2 latency of block rqq",
     "<input>:1:27: error: unknown span 'block rqq'; did you mean 'block rq'?\nhistogram log2 "
     "latency of block rqq\n"
     "                          ^~~~~~~~~\nhint: spans: block rq, http request, softirq, hardirq, tcp connect, "
     "tcp life, sched runq, sched offcpu, syscall $name\n"},
    {"SpanWithoutEnd",
     "span my wait { start tracepoint:sched:sched_wakeup key pid }\nhistogram log2 latency of my "
     "wait",
     "<input>:1:6: error: span 'my wait' has no end probe\nspan my wait { start "
     "tracepoint:sched:sched_wakeup key pid "
     "}\n     ^~~~~~~\nhint: a span needs at least one 'start PROBE key ...' and one 'end PROBE "
     "key ...'\n"},
    {"SpanKeyTypesDiffer",
     "span my wait { start tracepoint:sched:sched_wakeup key pid; end "
     "tracepoint:sched:sched_switch key next_comm }\n"
     "histogram log2 latency of my wait",
     "<input>:1:99: error: span 'my wait': key 1 is a string (up to 16 bytes) here but a 32-bit "
     "signed integer at the "
     "start\nspan my wait { start tracepoint:sched:sched_wakeup key pid; end "
     "tracepoint:sched:sched_switch key "
     "next_comm }\n"
     "                                                                                             "
     "     ^~~~~~~~~\nhint: the start and the end of a span are paired by keys of the same "
     "types\n"},
    {"UnknownSyscallSpan", "histogram log2 latency of syscall reed",
     "<input>:1:27: error: span 'syscall reed': unknown tracepoint 'syscalls:sys_enter_reed'; did "
     "you mean "
     "'sys_enter_read'?\nhistogram log2 latency of syscall reed\n                          "
     "^~~~~~~~~~~~\n"
     "hint: `sonde list 'tracepoint:syscalls:*'` shows the 720 tracepoints in 'syscalls'\n"},
    {"LinearEmpty", "on tracepoint:block:block_rq_issue histogram linear(10, 0, 1) bytes",
     "<input>:1:46: error: linear(10, 0, 1) has no buckets: the upper bound must be above the "
     "lower\non "
     "tracepoint:block:block_rq_issue histogram linear(10, 0, 1) bytes\n                           "
     "                  "
     "^~~~~~~~~~~~~~~~\n"},
    {"LinearTooMany", "on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 1) bytes",
     "<input>:1:46: error: linear(0, 1048576, 1) makes 1048577 bucket bounds; at most 1024 "
     "are allowed\non "
     "tracepoint:block:block_rq_issue histogram linear(0, 1048576, 1) bytes\n                      "
     "                  "
     "     ^~~~~~~~~~~~~~~~~~~~~\nhint: use a larger step, or histogram log2\n"},
    {"BucketsOutOfOrder", "histogram buckets(10ms, 5ms) latency of syscall read",
     "<input>:1:25: error: bucket bounds must increase: 5ms is not above 10ms\n"
     "histogram buckets(10ms, 5ms) latency of syscall read\n"
     "                        ^~~\n"
     "hint: write each bound once, from the smallest to the largest\n"},
    {"BucketsOfAnotherUnit", "histogram log2(1KiB, 1MiB) latency of syscall read",
     "<input>:1:16: error: 1KiB is a size, but the values of this histogram are durations (ns)\n"
     "histogram log2(1KiB, 1MiB) latency of syscall read\n"
     "               ^~~~\n"
     "hint: write the bounds as durations (1us, 10ms, 1s) or plain numbers of nanoseconds\n"},
    {"LatencyOutsideSpan", "on tracepoint:block:block_rq_issue where latency > 1ms count",
     "<input>:1:42: error: unknown field 'latency' in tracepoint:block:block_rq_issue\non "
     "tracepoint:block:block_rq_issue where latency > 1ms count\n                                  "
     "       ^~~~~~~\n"
     "hint: fields of tracepoint:block:block_rq_issue: dev, sector, nr_sector, bytes, ioprio, "
     "rwbs, comm, cmd\n"},
    {"NegativeComparedWithAnAddress", "on tracepoint:timer:timer_start where function > -1 count",
     "<input>:1:50: error: -1 is compared with an unsigned 64-bit value, which is never "
     "negative\non tracepoint:timer:timer_start where function > -1 count\n                        "
     "                         ^~\nhint: to compare it as a signed number, cast it: "
     "s64(function)\n"},
    {"ShiftPastTheWidth", "on tracepoint:sched:sched_switch where prev_pid << 64 count",
     "<input>:1:52: error: shift by 64: values are 64 bits wide, so a shift count must be from 0 "
     "to 63\non tracepoint:sched:sched_switch where prev_pid << 64 count\n                         "
     "                          ^~\n"},
    {"NegativeShift", "on tracepoint:sched:sched_switch where prev_pid >> -1 count",
     "<input>:1:52: error: shift by -1: values are 64 bits wide, so a shift count must be from 0 "
     "to 63\non tracepoint:sched:sched_switch where prev_pid >> -1 count\n                         "
     "                          ^~\n"},
    {"ConstantDivisionByZero", "on tracepoint:sched:sched_switch where prev_pid / (1 - 1) count",
     "<input>:1:52: error: division by zero\non tracepoint:sched:sched_switch where prev_pid / (1 "
     "- 1) count\n                                                   ^~~~~\nhint: the divisor is a "
     "constant zero\n"},
    {"ConstantModuloByZero", "on tracepoint:sched:sched_switch where prev_pid % (2 - 2) count",
     "<input>:1:52: error: modulo by zero\non tracepoint:sched:sched_switch where prev_pid % (2 - "
     "2) count\n                                                   ^~~~~\nhint: the divisor is a "
     "constant zero\n"},
    {"NotACType", "on tracepoint:sched:sched_switch count by (char long)prev_pid",
     "<input>:1:43: error: '(char long)' is not an integer type\non tracepoint:sched:sched_switch "
     "count by (char long)prev_pid\n                                          ^~~~~~~~~~~\nhint: "
     "casts name C integer types (int, unsigned long, ...) or u8..u64, s8..s64\n"},
    {"CastOfAString", "on tracepoint:sched:sched_switch count by u32(prev_comm)",
     "<input>:1:47: error: u32() converts numbers, not a string (up to 16 bytes)\non "
     "tracepoint:sched:sched_switch count by u32(prev_comm)\n                                      "
     "        ^~~~~~~~~\n"},
    {"ArithmeticOnAString", "on tracepoint:sched:sched_switch count by prev_comm + 1",
     "<input>:1:43: error: operator '+' needs numbers, not a string (up to 16 bytes)\non "
     "tracepoint:sched:sched_switch count by prev_comm + 1\n                                       "
     "   ^~~~~~~~~\nhint: strings can only be compared, with == and !=\n"},
    {"AliasCycle",
     "alias tracepoint:sched:sched_switch a = b + 1; alias tracepoint:sched:sched_switch b = a * "
     "2; on tracepoint:sched:sched_switch sum a",
     "<input>:1:132: error: alias 'a' refers to itself (a -> b -> a)\n"
     "alias tracepoint:sched:sched_switch a = b + 1; alias tracepoint:sched:sched_switch b = a * "
     "2; on tracepoint:sched:sched_switch sum a\n"
     "                                                                                "
     "                                                   ^\n"
     "hint: define it from fields, builtins or other names\n"
     "<input>:1:41: note: in alias 'a', defined here\n"
     "alias tracepoint:sched:sched_switch a = b + 1; alias tracepoint:sched:sched_switch b = a * "
     "2; on tracepoint:sched:sched_switch sum a\n"
     "                                        ^\n"
     "<input>:1:88: note: in alias 'b', defined here\n"
     "alias tracepoint:sched:sched_switch a = b + 1; alias tracepoint:sched:sched_switch b = a * "
     "2; on tracepoint:sched:sched_switch sum a\n"
     "                                                                                "
     "       ^\n"},
    {"StatementsOnOneLine",
     "on tracepoint:sched:sched_switch count on tracepoint:sched:sched_wakeup count",
     "<input>:1:40: error: statements are separated by a newline or ';': this one starts on the "
     "same line as the one before\non tracepoint:sched:sched_switch count on "
     "tracepoint:sched:sched_wakeup count\n                                       ^~\nhint: put it "
     "on its own line, or after a ';'\n"},
    {"SpanItemsOnOneLine",
     "span x { start tracepoint:sched:sched_wakeup key pid end tracepoint:sched:sched_switch key "
     "next_pid }",
     "<input>:1:54: error: the items of a span are separated by a newline or ';': this one starts "
     "on the same line as the one before\nspan x { start tracepoint:sched:sched_wakeup key pid end "
     "tracepoint:sched:sched_switch key next_pid }\n                                               "
     "      ^~~\nhint: put it on its own line, or after a ';'\n"},
    {"EmptySpan", "span x { }",
     "<input>:1:1: error: a span needs a start and an end\nspan x { }\n^~~~~~~~~~\nhint: span NAME "
     "{ start PROBE key ...; end PROBE key ... }\n"},
    {"NegativeProfileRate", "on profile:hz:-1 count",
     "<input>:1:15: error: expected a positive number, found '-1'\non profile:hz:-1 count\n        "
     "      ^~\n"},
    {"ProfileRateAbovePerfs", "on profile:hz:1000000 count",
     "<input>:1:15: error: 1000000 Hz is more than perf samples (at most 100000 Hz)\non "
     "profile:hz:1000000 count\n              ^~~~~~~\nhint: kernel.perf_event_max_sample_rate "
     "bounds it; 99 Hz is the usual profile\n"},
    {"MetricNameTooLong",
     "on tracepoint:sched:sched_switch count as "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaa",
     "<input>:1:43: error: a metric name of 207 characters is too long: at most 200\non "
     "tracepoint:sched:sched_switch count as "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaa\n                                          "
     "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
     "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
     "~~~~~~~~~~~~~~~\nhint: Prometheus stores the name with every sample; name it shorter with "
     "'as NAME'\n"},
};

INSTANTIATE_TEST_SUITE_P(Programs, BadInput, testing::ValuesIn(kCases),
                         [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace sonde::e2e
