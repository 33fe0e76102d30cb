// Names in expressions resolved per probe: fields shadow builtins, enum constants by
// name, decoders only as labels and only on values they can decode, string bounds.
#include <gtest/gtest.h>

#include "compiler/sema/btf_types.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

struct Case {
  const char* source;
  const char* expected;  // rendered diagnostics; "{SELF}" is this binary
};

class ExpressionDiagnoses : public testing::TestWithParam<Case> {};

TEST_P(ExpressionDiagnoses, Exactly) {
  Checker checker;
  EXPECT_EQ(checker.check(GetParam().source), with_self(GetParam().expected)) << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(
    Expressions, ExpressionDiagnoses,
    testing::Values(
        Case{"on tracepoint:sched:sched_switch count by ntop(prev_comm)",
             "<input>:1:48: error: ntop() needs a 4-byte or 16-byte address (or a 28-byte "
             "sockaddr), not a string (up to "
             "16 bytes)\non tracepoint:sched:sched_switch count by ntop(prev_comm)\n               "
             "                                ^~~~~~~~~\n"},
        Case{"on tracepoint:sched:sched_switch count by syscall(prev_comm)",
             "<input>:1:51: error: syscall() needs a number or an address, not a string (up to 16 "
             "bytes)\non tracepoint:sched:sched_switch count by syscall(prev_comm)\n               "
             "                                   ^~~~~~~~~\n"},
        Case{"on tracepoint:sched:sched_switch count by ksym(prev_comm)",
             "<input>:1:48: error: ksym() needs a number or an address, not a string (up to 16 "
             "bytes)\non tracepoint:sched:sched_switch count by ksym(prev_comm)\n                  "
             "                             ^~~~~~~~~\n"},
        Case{"on tracepoint:sock:inet_sock_set_state count by ntop(sport)",
             "<input>:1:54: error: ntop() needs a 4-byte or 16-byte address (or a 28-byte "
             "sockaddr), not a 16-bit unsigned "
             "integer\non tracepoint:sock:inet_sock_set_state count by ntop(sport)\n               "
             "                                      ^~~~~\n"},
        Case{"on tracepoint:syscalls:sys_enter_openat count by str(filename)",
             "<input>:1:50: error: a string read through a pointer needs a bound to be a label\non "
             "tracepoint:syscalls:sys_enter_openat count by str(filename)\n                        "
             "                         ^~~~~~~~~~~~~\nhint: give the longest length to keep, e.g. "
             "str(filename, 64)\n"},
        Case{"on tracepoint:syscalls:sys_enter_openat count by str(filename, 0)",
             "<input>:1:64: error: the length of str() must be a constant from 1 to 256\non "
             "tracepoint:syscalls:sys_enter_openat count by str(filename, 0)\n                     "
             "                                          ^\n"},
        Case{"on tracepoint:sched:sched_switch count by str(prev_pid)",
             "<input>:1:47: error: str() needs a character array or a pointer, not a 32-bit signed "
             "integer\non tracepoint:sched:sched_switch count by str(prev_pid)\n                   "
             "                           ^~~~~~~~\nhint: an address is 8 bytes wide; this value "
             "cannot be one\n"},
        Case{"on tracepoint:sched:sched_switch where ksym(prev_pid) == 1 count",
             "<input>:1:40: error: ksym() turns kernel addresses into function names in user "
             "space; it can only be a label (in 'by')\non tracepoint:sched:sched_switch where "
             "ksym(prev_pid) == 1 count\n                                       ^~~~~~~~~~~~~~\n"},
        Case{"on tracepoint:sched:sched_switch sum errno(prev_pid)",
             "<input>:1:38: error: errno() turns error numbers into names in user space; it can "
             "only be a label (in 'by')\non tracepoint:sched:sched_switch sum errno(prev_pid)\n    "
             "                                 ^~~~~~~~~~~~~~~\n"},
        Case{"on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHD count",
             "<input>:1:58: error: unknown name 'TCP_ESTABLISHD'; did you mean "
             "'TCP_ESTABLISHED'?\non tracepoint:sock:inet_sock_set_state where newstate == "
             "TCP_ESTABLISHD count\n                                                         "
             "^~~~~~~~~~~~~~\nhint: values of newstate: TCP_ESTABLISHED, TCP_SYN_SENT, "
             "TCP_SYN_RECV, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_TIME_WAIT, TCP_CLOSE, "
             "TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING, TCP_NEW_SYN_RECV\n"},
        Case{"on tracepoint:sock:inet_sock_set_state count by saddr",
             "<input>:1:49: error: a 4-byte array cannot be a label as it is\non "
             "tracepoint:sock:inet_sock_set_state count by saddr\n                                 "
             "               ^~~~~\nhint: for IP addresses use ntop(...); for text use str(...)\n"},
        // `func`: the name part of a probe; none in profile:, a hint to `probe`.
        Case{"on profile:hz:99 count by func",
             "<input>:1:27: error: profile:hz:99 has no function or event name for 'func'\non "
             "profile:hz:99 count by func\n                          ^~~~\nhint: func is the "
             "function of uprobe: and kprobe: probes, the event of tracepoint: and software: "
             "probes, the probe of usdt: probes; 'probe' names any probe in full\n"},
        Case{"on tracepoint:syscalls:sys_enter_getp* count by ksym(func)",
             "<input>:1:54: error: 'func' here names the probe that fired, which ksym() cannot "
             "decode\non tracepoint:syscalls:sys_enter_getp* count by ksym(func)\n            "
             "                                         ^~~~\nhint: use it as a label as it is: "
             "by func\n"},
        // Some probes of a wildcard with an alias (or field) func, others without: the
        // builtin at all of them, and a warning names the one whose func is not read.
        Case{"alias tracepoint:syscalls:sys_enter_getpid func = 7\n"
             "on tracepoint:syscalls:sys_enter_getp* count by func",
             "<input>:2:49: warning: 'func' is the builtin at every probe of this statement "
             "(each one's name); the field or alias 'func' of "
             "tracepoint:syscalls:sys_enter_getpid is not read here\non "
             "tracepoint:syscalls:sys_enter_getp* count by func\n                             "
             "                   ^~~~\nhint: to read it, write a statement on "
             "tracepoint:syscalls:sys_enter_getpid alone\n"},
        Case{"on tracepoint:syscalls:sys_enter_getp* count by func, probe", ""},
        // Indices into a table of names, not numbers: compared only with a name of it.
        Case{"on tracepoint:syscalls:sys_enter_getp* where func == sys_enter_getpid count "
             "by probe",
             ""},
        Case{"on tracepoint:sched:sched_switch sum probe",
             "<input>:1:38: error: 'probe' names the probe that fired; it is not a number to "
             "compute with\non tracepoint:sched:sched_switch sum probe\n                      "
             "               ^~~~~\nhint: use it as a label (by probe), or select probes by "
             "name: where func == sched_switch\n"},
        Case{"on tracepoint:sched:sched_switch where func == 3 count",
             "<input>:1:40: error: 'func' names the probe that fired; it is not a number to "
             "compute with\non tracepoint:sched:sched_switch where func == 3 count\n          "
             "                             ^~~~\nhint: use it as a label (by func), or select "
             "probes by name: where func == sched_switch\n"},
        Case{"on tracepoint:sched:sched_switch count by x = u32(func) + 1",
             "<input>:1:51: error: 'func' names the probe that fired; it is not a number to "
             "compute with\non tracepoint:sched:sched_switch count by x = u32(func) + 1\n     "
             "                                             ^~~~\nhint: use it as a label (by "
             "func), or select probes by name: where func == sched_switch\n"},
        // At every probe: the alias wins, as it did before the builtin existed.
        Case{"alias tracepoint:timer:timer_start func = function\n"
             "on tracepoint:timer:timer_start count by ksym(func)",
             ""},
        Case{"on uprobe:{SELF}:sonde_sema_probed sum retval",
             "<input>:1:58: error: 'retval' is not known in uprobe:{SELF}:sonde_sema_probed\non "
             "uprobe:{SELF}:sonde_sema_probed sum retval\n                                         "
             "                ^~~~~~\nhint: return values are read at a function's return: "
             "uretprobe:, kretprobe:, fexit:\n"},
        Case{"on uretprobe:{SELF}:sonde_sema_probed sum arg0",
             "<input>:1:61: error: 'arg0' is not known in uretprobe:{SELF}:sonde_sema_probed\non "
             "uretprobe:{SELF}:sonde_sema_probed sum arg0\n                                        "
             "                    ^~~~\nhint: at a function's return its argument registers hold "
             "other values; read arguments in uprobe: or kprobe: (fexit: keeps them)\n"},
        Case{"on tracepoint:sched:sched_switch count by arg0",
             "<input>:1:43: error: 'arg0' is not known in tracepoint:sched:sched_switch\non "
             "tracepoint:sched:sched_switch count by arg0\n                                        "
             "  ^~~~\nhint: argN reads the arguments of uprobe:, usdt: and kprobe: probes; "
             "tracepoints and raw tracepoints name their fields\n"},
        Case{"on rawtracepoint:sched_switch count by prev.thread",
             "<input>:1:40: error: a struct cannot be a label\non rawtracepoint:sched_switch count "
             "by prev.thread\n                                       ^~~~~~~~~~~\nhint: use one of "
             "its members, e.g. prev.pid\n"},
        Case{"on rawtracepoint:sched_switch count by prev.nothing",
             "<input>:1:40: error: no member 'nothing' in struct task_struct\non "
             "rawtracepoint:sched_switch count by prev.nothing\n                                   "
             "    ^~~~~~~~~~~~\n"},
        Case{"on tracepoint:sched:sched_switch count by prev_comm.x",
             "<input>:1:43: error: cannot read member 'x': the value is a string (up to 16 bytes) "
             "with no known type\non tracepoint:sched:sched_switch count by prev_comm.x\n          "
             "                                ^~~~~~~~~~~\n"},
        Case{
            "on tracepoint:sched:sched_switch count by frobnicate(prev_pid)",
            "<input>:1:43: error: unknown function 'frobnicate'\non tracepoint:sched:sched_switch "
            "count by frobnicate(prev_pid)\n                                          "
            "^~~~~~~~~~~~~~~~~~~~\nhint: functions: ksym, usym, syscall, errno, ntop, disk, "
            "cgroup, container, container_id, image, pod, pod_uid, namespace, unit, in_cgroup, "
            "inet, str, syscall_arg, user_u64, startswith, digits, op, ntohs, ntohl, htons, htonl, "
            "u8, u16, u32, u64, s8, s16, s32, s64\n"},
        // Container labels take a cgroup id; in_cgroup() a path as the cgroup label shows it.
        Case{"on tracepoint:sched:sched_switch count by container(prev_pid)",
             "<input>:1:53: error: container() needs a cgroup id, not a 32-bit signed integer\n"
             "on tracepoint:sched:sched_switch count by container(prev_pid)\n"
             "                                                    ^~~~~~~~\n"
             "hint: give it the cgroup builtin: container(cgroup)\n"},
        Case{"on tracepoint:sched:sched_switch where pod(cgroup) == 1 count",
             "<input>:1:40: error: pod() turns cgroup ids into pod names in user space; it can "
             "only be a label (in 'by')\non tracepoint:sched:sched_switch where pod(cgroup) == 1 "
             "count\n                                       ^~~~~~~~~~~\n"
             "hint: select cgroups in the kernel with in_cgroup(\"/path\"), e.g. "
             "in_cgroup(\"/system.slice/nginx.service\")\n"},
        Case{"on tracepoint:sched:sched_switch where in_cgroup(\"kubepods\") count",
             "<input>:1:50: error: in_cgroup(\"kubepods\"): a cgroup path starts at the root of "
             "the cgroup2 hierarchy, with '/'\non tracepoint:sched:sched_switch where "
             "in_cgroup(\"kubepods\") count\n                                                 "
             "^~~~~~~~~~\nhint: e.g. in_cgroup(\"/system.slice/nginx.service\")\n"},
        Case{"on tracepoint:sched:sched_switch where in_cgroup(\"/a/../b\") count",
             "<input>:1:50: error: in_cgroup(\"/a/../b\"): a cgroup path names directories, not "
             "'.' or '..'\non tracepoint:sched:sched_switch where in_cgroup(\"/a/../b\") count\n"
             "                                                 ^~~~~~~~~\n"
             "hint: e.g. in_cgroup(\"/system.slice/nginx.service\")\n"},
        Case{"on tracepoint:sched:sched_switch where in_cgroup(\"/a//b\") count",
             "<input>:1:50: error: in_cgroup(\"/a//b\"): a cgroup path has no empty parts ('//')\n"
             "on tracepoint:sched:sched_switch where in_cgroup(\"/a//b\") count\n"
             "                                                 ^~~~~~~\n"
             "hint: e.g. in_cgroup(\"/system.slice/nginx.service\")\n"},
        Case{"on tracepoint:sched:sched_switch where in_cgroup(\"/kubepods/\") count",
             "<input>:1:50: error: in_cgroup(\"/kubepods/\"): a cgroup path does not end in '/'\n"
             "on tracepoint:sched:sched_switch where in_cgroup(\"/kubepods/\") count\n"
             "                                                 ^~~~~~~~~~~~\n"
             "hint: e.g. in_cgroup(\"/system.slice/nginx.service\")\n"},
        Case{"on tracepoint:sched:sched_switch where in_cgroup(prev_comm) count",
             "<input>:1:50: error: in_cgroup() takes a cgroup path in quotes\n"
             "on tracepoint:sched:sched_switch where in_cgroup(prev_comm) count\n"
             "                                                 ^~~~~~~~~\n"
             "hint: e.g. in_cgroup(\"/system.slice\"), as the cgroup label shows paths\n"},
        Case{"on tracepoint:sched:sched_switch where prev_comm == \"a name longer than sixteen\" "
             "count",
             "<input>:1:53: error: \"a name longer than sixteen\" is longer than the 16 bytes the "
             "other side can hold, so it never matches\non tracepoint:sched:sched_switch where "
             "prev_comm == \"a name longer than sixteen\" count\n                                  "
             "                  ^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"},
        Case{"on tracepoint:oom:mark_victim count by comm, current.comm",
             "<input>:1:46: error: two labels are named 'comm'\non tracepoint:oom:mark_victim "
             "count by comm, current.comm\n                                             "
             "^~~~~~~~~~~~\nhint: name one of them with 'NAME = EXPR'\n"},
        Case{"on tracepoint:oom:mark_victim count by current",
             "<input>:1:40: error: 'current' needs a member\non tracepoint:oom:mark_victim count "
             "by current\n                                       ^~~~~~~\nhint: current.comm, "
             "current.pid, ... name the current task's builtins\n"}));

// Programs that check, and what their names resolved to.
TEST(Names, EveryProbeExampleOfTheLanguageChecks) {
  for (const char* source : {
           "on tracepoint:timer:timer_start count by ksym(function)",
           "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm",
           "on tracepoint:sched:sched_process_exec count by comm",
           "on tracepoint:oom:mark_victim count by comm",
           "on tracepoint:tcp:tcp_retransmit_skb count by ntop(daddr), dport",
           "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED count by comm",
           "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm as read_bytes",
           "on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 65536) bytes",
           "on uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc histogram log2 arg0 by comm",
           "on profile:hz:99 count by kstack",
           "on rawtracepoint:sched_switch count by prev.comm, next_pid = next.pid",
           "on usdt:{SELF}:sonde:tick sum arg0",
           "on uretprobe:{SELF}:sonde_sema_probed histogram log2 retval by ustack",
           "on software:page-faults:100 count by comm, pid, tid, uid, cpu, cgroup",
           "on tracepoint:sched:sched_switch where in_cgroup(\"/\") && !in_cgroup(\"/kubepods\") "
           "count by container(cgroup), container_id(cgroup), image(cgroup), pod(cgroup), "
           "pod_uid(cgroup), namespace(cgroup), unit(cgroup)",
           "on hardware:cycles:100000 count",
           "on kprobe:vfs_read sum count by ksym(arg0)",
           "on kretprobe:vfs_read histogram log2 retval",
           "on fentry:vfs_read count by str(file.f_path.dentry.d_name.name, 32)",
           "on fexit:vfs_read histogram log2 retval",
           "on tracepoint:syscalls:sys_exit_openat where ret < 0 count by errno(ret)",
           "on tracepoint:sched:sched_process_exec count by filename, short = str(filename, 8)",
           "on tracepoint:syscalls:sys_enter_openat count by str(filename, 64)",
           "on tracepoint:sock:inet_sock_set_state count by ntop(saddr_v6), newstate",
       }) {
    Checker checker;
    EXPECT_EQ(checker.check(source), "") << source;
    EXPECT_EQ(checker.result().statements.size(), 1u) << source;
  }
}

const ast::Expr& key(const Checker& checker, size_t i) {
  return *checker.result().statements.at(0).programs.at(0).keys.at(i);
}

// sonde exports these beside every program: a statement taking one would hide the real
// family on /metrics (`count as sonde_map_updates_dropped` replaced the drop counter).
TEST(Names, SondesOwnMetricNamesAreReserved) {
  for (const char* source :
       {"on tracepoint:sched:sched_switch count as sonde_map_updates_dropped",
        "on tracepoint:sched:sched_switch gauge prev_pid as process_open_fds",
        "on tracepoint:sched:sched_switch gauge prev_pid as sonde_build_info"}) {
    Checker checker;
    EXPECT_NE(checker.check(source).find("is one of sonde's own metrics"), std::string::npos)
        << source;
  }
  Checker fine;
  EXPECT_EQ(fine.check("on tracepoint:sched:sched_switch count as sonde_switches"), "");
}

TEST(Names, ACountOfSpansIsACountAndTheirLatencyIsInSeconds) {
  Checker checker;
  ASSERT_EQ(checker.check("span s { start tracepoint:sched:sched_wakeup key pid; end "
                          "tracepoint:sched:sched_switch key next_pid }\n"
                          "count latency of s\n"
                          "sum latency of s as total\n"
                          "histogram log2 latency of s as h"),
            "");
  const auto& st = checker.result().statements;
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].unit, spec::Unit::kNone);
  EXPECT_EQ(st[0].metric_name, "sonde_s_total");
  EXPECT_EQ(st[1].unit, spec::Unit::kNanoseconds);
  EXPECT_EQ(st[1].metric_name, "total_seconds_total");
  EXPECT_EQ(st[2].unit, spec::Unit::kNanoseconds);
  EXPECT_EQ(st[2].metric_name, "h_seconds");
}

TEST(Names, FieldsShadowBuiltinsAndCurrentReachesThem) {
  Checker checker;
  ASSERT_EQ(
      checker.check("on tracepoint:oom:mark_victim count by comm, parent = current.comm, pid"), "");
  EXPECT_EQ(key(checker, 0).binding.kind, ast::BindingKind::kField);  // the victim
  EXPECT_EQ(key(checker, 1).binding.kind, ast::BindingKind::kBuiltin);
  EXPECT_EQ(key(checker, 1).binding.builtin, ast::Builtin::kComm);
  EXPECT_EQ(key(checker, 2).binding.kind, ast::BindingKind::kField);
  const auto& labels = checker.result().statements[0].labels;
  EXPECT_EQ(labels.at(0).name, "comm");
  EXPECT_EQ(labels.at(1).name, "parent");
}

TEST(Names, EnumConstantsTakeTheValueOfTheOtherSide) {
  Checker checker;
  ASSERT_EQ(checker.check("on tracepoint:sock:inet_sock_set_state where TCP_CLOSE != oldstate && "
                          "newstate == TCP_ESTABLISHED count by newstate"),
            "");
  const ast::Expr& where = *checker.result().statements[0].programs[0].where;
  const ast::Expr& close = *where.args[0]->args[0];
  const ast::Expr& established = *where.args[1]->args[1];
  EXPECT_EQ(close.binding.kind, ast::BindingKind::kConstant);
  EXPECT_EQ(close.binding.constant, 7);
  EXPECT_EQ(established.binding.kind, ast::BindingKind::kConstant);
  EXPECT_EQ(established.binding.constant, 1);
  // The label shows states by name.
  const ast::Type& state = checker.result().statements[0].labels.at(0).type;
  ASSERT_TRUE(state.symbols);
  EXPECT_EQ(state.decoder, spec::Decoder::kEnum);
}

TEST(Names, BtfEnumConstantsWithoutAContext) {
  Checker checker;
  ASSERT_EQ(checker.check("on rawtracepoint:sched_switch where prev_state == TASK_COMM_LEN count"),
            "");
  const ast::Expr& where = *checker.result().statements[0].programs[0].where;
  EXPECT_EQ(where.args[1]->binding.kind, ast::BindingKind::kConstant);
  EXPECT_EQ(where.args[1]->binding.constant, 16);
}

TEST(Names, SyscallPointersAreUserMemory) {
  Checker checker;
  ASSERT_EQ(checker.check("on tracepoint:syscalls:sys_enter_openat count by str(filename, 32)"),
            "");
  EXPECT_TRUE(key(checker, 0).type.user);
  Checker exec;
  ASSERT_EQ(exec.check("on rawtracepoint:sched_process_exec count by str(bprm.filename, 32)"), "");
  EXPECT_FALSE(key(exec, 0).type.user);
}

// A flexible `char name[]` member read through BTF (xfs_getparents_rec's gpr_name, found
// by the generative test) was a string of 0 bytes: a 0-byte key the kernel refused to
// create a map for. The fixture's records end with such a member, `char __data[0]`.
TEST(Names, FlexibleCharMemberIsAStringOfTheDefaultBound) {
  auto btf = shared_kernel().btf();
  ASSERT_TRUE(btf.ok()) << btf.error().message;
  auto record = (*btf)->find("trace_event_raw_sched_switch", kernel::TypeKind::kStruct);
  ASSERT_TRUE(record);
  auto data = (*btf)->find_member(*record, "__data");
  ASSERT_TRUE(data);
  ast::Type t = type_from_btf(**btf, data->type);
  EXPECT_EQ(t.kind, ast::TypeKind::kString);
  EXPECT_EQ(t.size, kUnsizedStringBound);
  auto comm = (*btf)->find_member(*record, "prev_comm");
  ASSERT_TRUE(comm);
  EXPECT_EQ(type_from_btf(**btf, comm->type).size, 16u);
}

}  // namespace
}  // namespace sonde::sema
