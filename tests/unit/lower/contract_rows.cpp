#include "tests/unit/lower/contract_rows.h"

#include <unistd.h>

#include <climits>

#include "tests/unit/bpf/usdt_probe.h"

// A function and a USDT probe of this binary, for uprobe:{SELF}:... and usdt:{SELF}:...
extern "C" __attribute__((noinline, used)) long sonde_lower_probed(long x) {
  SONDE_TEST_USDT1(sonde, tock, x);
  return x + 1;
}

namespace sonde::lower {

std::string self_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "/proc/self/exe";
}

std::string with_self(std::string text) {
  for (size_t at = text.find("{SELF}"); at != std::string::npos; at = text.find("{SELF}"))
    text.replace(at, 6, self_path());
  return text;
}

const std::vector<Row>& contract_rows() {
  static const std::vector<Row> rows = {
      // ---- classic tracepoints: record structs from BTF, relocated by CO-RE ----
      {.name = "TracepointStringFieldIsReadFromTheRecord",
       .source = "on tracepoint:sched:sched_switch count by prev_comm",
       .spec = {"probe sonde_s0_p0 kind=tracepoint target=sched:sched_switch",
                "metric sonde_sched_switch_total aggregation=count unit=none keyed=yes key_size=16 "
                "value_size=8 max_entries=10240",
                "label sonde_sched_switch_total.prev_comm offset=0 size=16 decoder=string"},
       .c = {"SEC(\"tracepoint/sched/sched_switch\")",
             "int sonde_s0_p0(struct trace_event_raw_sched_switch___sonde *ctx) {",
             "bpf_probe_read_kernel_str(key.k0, 16, &ctx->prev_comm);",
             "sonde_lookup_or_init(&sonde_m0, &key, &sonde_z0, 0);", "sonde_count(v);"}},
      {.name = "EnumConstantsAndSymbolicLabels",
       .source = "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED count "
                 "by newstate",
       .spec = {"label sonde_inet_sock_set_state_total.newstate offset=0 size=8 decoder=enum "
                "enums=1=TCP_ESTABLISHED,2=TCP_SYN_SENT,3=TCP_SYN_RECV,4=TCP_FIN_WAIT1,5=TCP_FIN_"
                "WAIT2,6=TCP_TIME_WAIT,7=TCP_CLOSE,8=TCP_CLOSE_WAIT,9=TCP_LAST_ACK,10=TCP_LISTEN,"
                "11=TCP_CLOSING,12=TCP_NEW_SYN_RECV"},
       .c = {"__u64 r0 = (__u64)(ctx->newstate);",
             "if (!((__s64)((__s64)((__s64)(__s32)(r0)) == (__s64)((__s64)1LL)))) "
             "return 0;",
             "key.k0 = (__s64)(__s32)(r0);"}},
      {.name = "AddressArraysAndPorts",
       .source = "on tracepoint:tcp:tcp_retransmit_skb count by ntop(daddr), dport",
       .spec = {"metric sonde_tcp_retransmit_skb_total key_size=16",
                "label sonde_tcp_retransmit_skb_total.daddr offset=0 size=4 decoder=inet",
                "label sonde_tcp_retransmit_skb_total.dport offset=8 size=8 decoder=unsigned"},
       .c = {"char k0[8];", "bpf_probe_read_kernel(key.k0, 4, &ctx->daddr);",
             "__u64 r0 = (__u64)(ctx->dport);", "key.k1 = (__s64)(__u16)(r0);"}},
      {.name = "DataLocStringsAreReadFromTheirOffset",
       .source = "on tracepoint:sched:sched_process_exec count by filename",
       .spec = {"label sonde_sched_process_exec_total.filename offset=0 size=64 decoder=string"},
       .c = {"__u64 r1 = (__u64)(ctx->__data_loc_filename);", "__u32 t0 = r1;",
             "bpf_probe_read_kernel_str(key.k0, 64, (char *)ctx + (t0 & 0xffff));"}},
      {.name = "KernelFunctionPointersAreKsymLabels",
       .source = "on tracepoint:timer:timer_start count by ksym(func)",
       .spec = {"label sonde_timer_start_total.func offset=0 size=8 decoder=ksym"},
       .c = {"__u64 r0 = (__u64)(ctx->function);", "key.k0 = (__u64)(r0);"}},
      {.name = "PointerComparedWithALiteralIsUnsigned",
       .source = "on tracepoint:timer:timer_start where function > 0 count",
       .c = {"(__u64)((__u64)(r0)) > (__u64)((__u64)0ULL)"},
       .c_absent = {"> (__s64)("}},
      {.name = "TracepointsWithoutARecordStructUseFormatOffsets",
       .source = "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm as read_bytes",
       .spec = {"metric read_bytes_total aggregation=sum unit=bytes value_size=8"},
       .c = {"int sonde_s0_p0(void *ctx) {",
             // Read once where it is read: the load stays at ctx plus its offset.
             "__u64 r0 = (__u64)(*(__s64 *)((char *)ctx + 16));",
             "asm volatile(\"\" : \"+r\"(r0));",
             "if (!((__s64)((__s64)((__s64)(__s64)(r0)) > (__s64)((__s64)0ULL)))) return 0;",
             "__s64 x = (__s64)((__s64)(__s64)(r0));", "bpf_get_current_comm(key.k0, 16);",
             "sonde_sum(v, x);"}},
      {.name = "SyscallErrorsAreErrnoLabels",
       .source = "on tracepoint:syscalls:sys_exit_openat where ret < 0 count by errno(ret)",
       .spec = {"label sonde_sys_exit_openat_total.errno offset=0 size=8 decoder=errno"},
       .c = {"__u64 r0 = (__u64)(*(__s64 *)((char *)ctx + 16));", "key.k0 = (__s64)(__s64)(r0);"}},
      {.name = "SyscallPointersAreUserMemory",
       .source = "on tracepoint:syscalls:sys_enter_openat count by str(filename, 64)",
       .spec = {"label sonde_sys_enter_openat_total.filename offset=0 size=65 decoder=string"},
       .c = {"__u64 r0 = (__u64)(*(__u64 *)((char *)ctx + 24));",
             "if (bpf_probe_read_user_str(key.k0, 65, (const void *)(long)((__u64)(r0))) < 0) "
             "sonde_unreadable(key.k0);"}},
      {.name = "RawSyscallsAttachAsRawTracepoints",
       .source = "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm",
       .spec = {"probe sonde_s0_p0 kind=raw_tracepoint target=sys_enter "
                "display=tracepoint:raw_syscalls:sys_enter",
                "metric sonde_sys_enter_total key_size=24",
                "label sonde_sys_enter_total.syscall offset=0 size=8 decoder=syscall",
                "label sonde_sys_enter_total.comm offset=8 size=16 decoder=string"},
       .c = {"SEC(\"raw_tp/sys_enter\")", "int sonde_s0_p0(struct bpf_raw_tracepoint_args *ctx) {",
             "__u64 r0 = (__u64)(ctx->args[1]);", "key.k0 = (__s64)(__s64)(r0);",
             "bpf_get_current_comm(key.k1, 16);"}},

      // ---- syscall wildcards: one raw_syscalls program from the threshold on ----
      // (compiler/lower/syscall_wildcard.h; the fixture has 13 of each, the threshold)
      {.name = "SyscallWildcardIsOneRawProgramWithATableOfNumbers",
       .source = "on tracepoint:syscalls:sys_enter_* where current.pid == 5 count by func",
       .spec =
           {"probe sonde_s0_w0 kind=raw_tracepoint target=sys_enter "
            "display=tracepoint:syscalls:sys_enter_*",
            "label sonde_sys_enter_total.func offset=0 size=8 decoder=enum "
            "enums=0=sys_enter_brk,1=sys_enter_close,2=sys_enter_exit_group,3=sys_enter_getpgid,"
            "4=sys_enter_getpid,5=sys_enter_getppid,6=sys_enter_ioctl,7=sys_enter_lseek,"
            "8=sys_enter_munmap,9=sys_enter_openat,10=sys_enter_pread64,11=sys_enter_read,"
            "12=sys_enter_write"},
       // func's value per number: its index in the table of names, programs in order.
       .c = {"struct sonde_syscall {",
             "static __always_inline int sonde_compat_syscall(void) {",
             "return status & 0x0002; /* TS_COMPAT */",
             "static const struct sonde_syscall sonde_sys0[258] = {",
             "[12] = {1, 0, 0, 0},",
             "[3] = {1, 0, 1, 0},",
             "[231] = {1, 0, 2, 0},",
             "[121] = {1, 0, 3, 0},",
             "[39] = {1, 0, 4, 0},",
             "[110] = {1, 0, 5, 0},",
             "[16] = {1, 0, 6, 0},",
             "[8] = {1, 0, 7, 0},",
             "[11] = {1, 0, 8, 0},",
             "[257] = {1, 0, 9, 0},",
             "[17] = {1, 0, 10, 0},",
             "[0] = {1, 0, 11, 0},",
             "[1] = {1, 0, 12, 0}",
             "SEC(\"raw_tp/sys_enter\")",
             "int sonde_s0_w0(struct bpf_raw_tracepoint_args *ctx) {",
             "__u64 nr = (__u64)(ctx->args[1]);",
             "if (nr >= 258) return 0;",
             "const struct sonde_syscall *sel = &sonde_sys0[nr];",
             "if (!sel->on) return 0;",
             "if (sonde_compat_syscall()) return 0;",
             "if (!((__s64)((__s64)((__u64)(bpf_get_current_pid_tgid() >> 32))",
             "key.k0 = (__u64)sel->func;"},
       .c_absent = {"SEC(\"tracepoint/syscalls/"}},
      {.name = "SyscallExitWildcardReadsRetAndTheNumberFromTheRawHook",
       .source = "on tracepoint:syscalls:sys_exit_* sum ret by probe",
       .spec = {"probe sonde_s0_w0 kind=raw_tracepoint target=sys_exit "
                "display=tracepoint:syscalls:sys_exit_*"},
       .c = {"SEC(\"raw_tp/sys_exit\")", "__u64 nr = 0;",
             "bpf_probe_read_kernel(&nr, sizeof(nr), &((struct pt_regs *)ctx->args[0])->orig_ax);",
             "__u64 r0 = (__u64)(ctx->args[1]);", "__s64 x = (__s64)((__s64)(__s64)(r0));",
             "key.k0 = (__u64)sel->probe;"},
       .c_absent = {"SEC(\"tracepoint/syscalls/"}},
      // A field called pid at some events (getpgid's, the first argument) and the builtin
      // at others: one program with a variant of the body each, chosen by the table.
      {.name = "SyscallWildcardReadingDifferentlyPerEventHasAVariantEach",
       .source = "on tracepoint:syscalls:sys_enter_* where pid == 5 count",
       .c = {"[121] = {1, 0, 0, 1}", "[39] = {1, 0, 0, 0}", "if (!sel->on) return 0;",
             "if (sel->variant == 0) {",
             "    if (!((__s64)((__s64)((__u64)(bpf_get_current_pid_tgid() >> 32))",
             "if (sel->variant == 1) {",
             "    bpf_probe_read_kernel(&t0, sizeof(t0), &((struct pt_regs *)ctx->args[0])->di);",
             "  }\n  return 0;\n}"},
       .c_absent = {"SEC(\"tracepoint/syscalls/", "if (sel->variant == 2)"}},
      // The raw hook's kernel stack has other frames than the classic one's.
      {.name = "SyscallWildcardReadingAStackStaysPerEvent",
       .source = "on tracepoint:syscalls:sys_enter_* count by kstack",
       .c = {"SEC(\"tracepoint/syscalls/sys_enter_close\")"},
       .c_absent = {"raw_tp/"}},
      {.name = "SyscallWildcardBelowTheThresholdStaysPerEvent",
       .source = "on tracepoint:syscalls:sys_enter_getp* count by func",
       .c = {"SEC(\"tracepoint/syscalls/sys_enter_getpgid\")",
             "SEC(\"tracepoint/syscalls/sys_enter_getpid\")",
             "SEC(\"tracepoint/syscalls/sys_enter_getppid\")"},
       .c_absent = {"raw_tp/"}},

      // ---- raw tracepoints: typed arguments, members read with CO-RE ----
      {.name = "RawTracepointPointerArgumentsAreTyped",
       .source = "on rawtracepoint:sched_switch count by prev.comm, next_pid = next.pid",
       .spec = {"probe sonde_s0_p0 kind=raw_tracepoint target=sched_switch",
                "label sonde_sched_switch_total.prev_comm offset=0 size=16 decoder=string",
                "label sonde_sched_switch_total.next_pid offset=16 size=8 decoder=signed"},
       .c = {"struct task_struct___sonde {", "__s32 pid;", "char comm[16];",
             "__attribute__((preserve_access_index));", "SEC(\"raw_tp/sched_switch\")",
             "__u64 r1 = (__u64)(ctx->args[1]);", "__u64 p0 = (__u64)(r1);",
             "bpf_probe_read_kernel_str(key.k0, 16, &((struct task_struct___sonde "
             "*)(long)p0)->comm);",
             "__u64 r4 = (__u64)(ctx->args[2]);", "__u64 p3 = (__u64)(r4);",
             "bpf_core_read(&t2, sizeof(t2), &((struct task_struct___sonde *)(long)p3)->pid);",
             "key.k1 = (__s64)t2;"}},
      {.name = "MembersOfEmbeddedStructsAreOneRelocatedLvalue",
       .source =
           "on rawtracepoint:sched_switch where prev.__state == 0 count by prev.se.nr_migrations",
       .spec = {"label sonde_sched_switch_total.prev_se_nr_migrations offset=0 size=8 "
                "decoder=unsigned"},
       .c = {"struct sched_entity___sonde {", "__u64 nr_migrations;",
             "struct task_struct___sonde {", "__u32 __state;", "struct sched_entity___sonde se;",
             "->__state);", "->se.nr_migrations);"}},
      {.name = "SocketAddressIsOneRelocatedLvalue",
       .source = "on rawtracepoint:inet_sock_set_state count by ntop(sk.__sk_common.skc_daddr)",
       .spec = {"label sonde_inet_sock_set_state_total.sk___sk_common_skc_daddr offset=0 size=8 "
                "decoder=inet"},
       .c = {"struct sock_common___sonde {", "__u32 skc_daddr;", "struct sock___sonde {",
             "struct sock_common___sonde __sk_common;", "__u64 r2 = (__u64)(ctx->args[0]);",
             "__u64 p1 = (__u64)(r2);",
             "bpf_core_read(&t0, sizeof(t0), &((struct sock___sonde "
             "*)(long)p1)->__sk_common.skc_daddr);"}},
      // inet(): the socket's family picks the IPv4 field (as ::ffff:a.b.c.d) or the IPv6 one.
      {.name = "SocketAddressOfEitherFamily",
       .source = "on rawtracepoint:sock_send_length count by ntop(inet(sk.__sk_common.skc_family, "
                 "sk.__sk_common.skc_daddr, sk.__sk_common.skc_v6_daddr.in6_u.u6_addr8))",
       .spec = {"metric sonde_sock_send_length_total key_size=16"},
       .c = {"== 2 /* AF_INET */) {", "__builtin_memset(key.k0, 0, 10);",
             "((__u8 *)key.k0)[10] = 0xff;", "((__u8 *)key.k0)[11] = 0xff;",
             "->__sk_common.skc_daddr);", "__builtin_memcpy((__u8 *)key.k0 + 12, &", "} else {",
             "bpf_probe_read_kernel(key.k0, 16, &", "->__sk_common.skc_v6_daddr.in6_u.u6_addr8);"}},
      // A system call's buffer, from the registers its task saved on entry (read through
      // bpf_task_pt_regs, at a probe inside the call), read once as user memory, then
      // looked at in fixed places: the HTTP status line of stdlib/http.sonde.
      {.name = "SyscallBuffersReadOnceAndScannedAtFixedPlaces",
       .source = "on rawtracepoint:sock_send_length where startswith(str(syscall_arg(1), 12), "
                 "\"HTTP/1.1 \", \"HTTP/1.0 \") count by status = "
                 "digits(str(user_u64(syscall_arg(1)), 12), 9, 3)",
       .spec = {"metric sonde_sock_send_length_total key_size=8",
                "label sonde_sock_send_length_total.status offset=0 size=8 decoder=signed"},
       .c = {"char s0[13] = {};",
             "bpf_probe_read_kernel(&t1, sizeof(t1), &((struct pt_regs "
             "*)bpf_task_pt_regs(bpf_get_current_task_btf()))->si);",
             "if (bpf_probe_read_user_str(s0, 13, (const void *)(long)((__u64)t1)) < 0) "
             "sonde_unreadable(s0);",
             "if (!((__s64)(sonde_streq(s0, \"HTTP/1.1 \", 9) || sonde_streq(s0, \"HTTP/1.0 \", "
             "9)))) return 0;",
             "bpf_probe_read_user(&t3, sizeof(t3), (const void *)(long)((__u64)t4));",
             "key.k0 = (__s64)sonde_digits(s2 + 9, 3);"}},
      // tcp_probe's addresses are sockaddr buffers, kept whole for the decoder.
      {.name = "SockaddrBuffersAreKeptWhole",
       .source = "on tracepoint:tcp:tcp_probe count by ntop(daddr)",
       .spec = {"label sonde_tcp_probe_total.daddr offset=0 size=28 decoder=inet"},
       .c = {"char k0[32];", "bpf_probe_read_kernel(key.k0, 28, &ctx->daddr);"}},
      {.name = "PointerChainsAndBlockOpsOfARequest",
       .source =
           "on rawtracepoint:block_rq_issue count by op(rq.cmd_flags), disk = rq.q.disk.disk_name",
       .spec = {"metric sonde_block_rq_issue_total key_size=40",
                "label sonde_block_rq_issue_total.op offset=0 size=8 decoder=block_op",
                "label sonde_block_rq_issue_total.disk offset=8 size=32 decoder=string"},
       .c = {"->cmd_flags);", "key.k0 = (__s64)sonde_req_op((__s64)t0);", "->q);", "->disk);",
             "bpf_probe_read_kernel_str(key.k1, 32, &((struct gendisk___sonde "
             "*)(long)p3)->disk_name);"}},
      {.name = "RawTracepointIntArgumentIsSignExtendedFrom32Bits",
       .source = "on rawtracepoint:sock_recv_length sum ret",
       .spec = {"probe sonde_s0_p0 kind=raw_tracepoint target=sock_recv_length",
                "metric sonde_sock_recv_length_ret aggregation=sum keyed=no"},
       .c = {"__u64 r0 = (__u64)(ctx->args[1]);", "__s64 x = (__s64)((__s64)(__s32)(r0));"}},
      {.name = "RawTracepointEnumArgument",
       .source = "on rawtracepoint:kfree_skb count by reason",
       .spec =
           {"label sonde_kfree_skb_total.reason offset=0 size=8 decoder=enum "
            "enums=0=SKB_NOT_DROPPED_YET,1=SKB_CONSUMED,2=SKB_DROP_REASON_NOT_SPECIFIED,3=SKB_DROP_"
            "REASON_NO_SOCKET,4=SKB_DROP_REASON_SOCKET_CLOSE,5=SKB_DROP_REASON_SOCKET_FILTER"},
       .c = {"__u64 r0 = (__u64)(ctx->args[2]);", "key.k0 = (__s64)(__u32)(r0);"}},

      // ---- spans ----
      {.name = "SpanEndClaimsItsStartBeforeRecording",
       .source = "histogram log2 latency of block rq by disk, op",
       .spec = {"probe sonde_s0_a0 kind=raw_tracepoint target=block_rq_issue",
                "probe sonde_s0_b0 kind=raw_tracepoint target=block_rq_complete",
                "metric sonde_block_rq_latency_seconds aggregation=histogram unit=ns buckets=log2 "
                "bounds=25 keyed=yes key_size=16 value_size=224 first=1000 last=16777216000",
                "label sonde_block_rq_latency_seconds.disk offset=0 size=8 decoder=disk",
                "label sonde_block_rq_latency_seconds.op offset=8 size=8 decoder=block_op",
                "span \"block rq\" start_map=sonde_st0 max_entries=10240 stats_index=0"},
       // Keyed by the request itself, as biolatency is (stdlib/block.sonde).
       .c = {"struct sonde_v0 {", "__u64 buckets[26];",
             "int sonde_s0_a0(struct bpf_raw_tracepoint_args *ctx) {",
             "__u64 r0 = (__u64)(ctx->args[0]);", "key.k0 = (__u64)(r0);",
             "start.ts = bpf_ktime_get_ns();", "sonde_span_start(&sonde_st0, &key, &start, 0);",
             "int sonde_s0_b0(struct bpf_raw_tracepoint_args *ctx) {",
             "__u64 r0 = (__u64)(ctx->args[0]);", "skey.k0 = (__u64)(r0);",
             "struct sonde_st0_value *found = bpf_map_lookup_elem(&sonde_st0, &skey);",
             "__u64 latency = now - found->ts;",
             "if (!sonde_span_claim(&sonde_st0, &skey, 0)) return 0;",
             "__s64 x = (__s64)((__s64)latency);", "->cmd_flags);",
             "sonde_hist(&v->head, v->buckets, 26, sonde_log2_bucket(x, 0, 1000ULL, 0, 25), x);"}},
      {.name = "SpanWithSeveralStartsAndAStartCondition",
       .source = "histogram log2 latency of sched runq",
       .spec = {"probe sonde_s0_a0 kind=raw_tracepoint target=sched_wakeup",
                "probe sonde_s0_a1 kind=raw_tracepoint target=sched_wakeup_new",
                // the start and end on sched_switch share one program (issue 17)
                "probe sonde_h0 kind=raw_tracepoint target=sched_switch",
                "metric sonde_sched_runq_latency_seconds unit=ns keyed=no"},
       // A switch starts a wait only for a task still runnable (its own __state, as
       // runqlat reads it) that is not the idle task.
       .c = {"int sonde_s0_a2(struct bpf_raw_tracepoint_args *ctx) {", "->__state);", "->pid);",
             "== (__s64)((__s64)0ULL))) && ((__s64)((__s64)((__s64)t3) != (__s64)((__s64)0ULL))",
             "key.k0 = (__s64)t5;", "int sonde_s0_b0(", "skey.k0 = (__s64)t0;"}},
      {.name = "SpanLabelsComputedAtTheStartAreCarriedToTheEnd",
       .source = "span x {\n  start tracepoint:sched:sched_switch key prev_pid\n  end "
                 "tracepoint:sched:sched_wakeup key pid\n  label from = prev_comm\n}\ncount "
                 "latency of x by from",
       .spec = {"metric sonde_x_total aggregation=count key_size=16",
                "label sonde_x_total.from offset=0 size=16 decoder=string"},
       .c = {"struct sonde_st0_value {", "__u64 ts;", "char l0[16];",
             "bpf_probe_read_kernel_str(start.l0, 16, &ctx->prev_comm);",
             "if (!sonde_span_claim(&sonde_st0, &skey, 0)) return 0;",
             "__builtin_memcpy(key.k0, start.l0, 16);"}},
      {.name = "CountOfASpanHasNoUnit",
       .source = "count latency of block rq",
       .spec = {"metric sonde_block_rq_total aggregation=count unit=none"}},
      // A label named after the field it shows: inside its own definition the name is
      // the field (it used to expand to itself until sema gave up without a word).
      {.name = "SpanLabelNamedAfterTheFieldItShows",
       .source = "span x {\n  start tracepoint:sched:sched_wakeup key pid\n  end "
                 "tracepoint:sched:sched_switch key prev_pid\n  label prev_pid = "
                 "prev_pid\n}\ncount latency of x by prev_pid",
       .spec = {"label sonde_x_total.prev_pid offset=0 size=8 decoder=signed"},
       .c = {"__u64 r0 = (__u64)(ctx->prev_pid);", "skey.k0 = (__s64)(__s32)(r0);",
             "key.k0 = (__s64)(__s32)(r0);"}},

      // ---- aggregations and buckets ----
      {.name = "LinearHistogramOfBytes",
       .source = "on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 65536) bytes",
       .spec = {"metric sonde_block_rq_issue_bytes aggregation=histogram unit=bytes buckets=linear "
                "bounds=17 keyed=no key_size=4 value_size=160 first=0 last=1048576"},
       .c = {"__u64 buckets[18];", "__u64 r0 = (__u64)(ctx->bytes);",
             "__s64 x = (__s64)((__s64)(__u32)(r0));",
             "struct sonde_v0 *v = bpf_map_lookup_elem(&sonde_m0, &zero);",
             "sonde_hist(&v->head, v->buckets, 18, sonde_linear_bucket(x, 0, 0LL, 65536ULL, 17), "
             "x);"}},
      {.name = "MaxKeepsTwoWordsPerKey",
       .source = "on tracepoint:sched:sched_switch max prev_prio by cpu",
       .spec = {"metric sonde_sched_switch_prev_prio_max aggregation=max key_size=8 value_size=32 "
                "window_ns=60000000000",
                "label sonde_sched_switch_prev_prio_max.cpu offset=0 size=8 decoder=unsigned"},
       .c = {"__type(value, struct sonde_minmax);", "__u64 r0 = (__u64)(ctx->prev_prio);",
             "__s64 x = (__s64)((__s64)(__s32)(r0));",
             "key.k0 = (__u64)bpf_get_smp_processor_id();",
             "sonde_max(v, x, bpf_ktime_get_ns() / 60000000000ULL);"}},
      {.name = "AverageOfBytesByDisk",
       .source = "on tracepoint:block:block_rq_issue avg bytes by disk(dev)",
       .spec = {"metric sonde_block_rq_issue_bytes aggregation=avg unit=bytes value_size=16",
                "label sonde_block_rq_issue_bytes.disk offset=0 size=8 decoder=disk"},
       .c = {"__type(value, struct sonde_avg);", "sonde_avg(v, x);"}},
      {.name = "GaugeWithoutLabels",
       .source = "on tracepoint:sched:sched_switch gauge next_prio",
       .spec = {"metric sonde_sched_switch_next_prio aggregation=gauge keyed=no key_size=4 "
                "value_size=16 max_entries=1"},
       .c = {"__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);", "sonde_gauge(v, x);"}},

      // ---- kernel functions, perf events ----
      {.name = "KprobeArgumentsAreRegisters",
       .source = "on kprobe:vfs_read sum count by ksym(arg0)",
       .spec = {"probe sonde_s0_p0 kind=kprobe target=vfs_read",
                "metric sonde_vfs_read_count_total aggregation=sum",
                "label sonde_vfs_read_count_total.arg0 offset=0 size=8 decoder=ksym"},
       .c = {"SEC(\"kprobe/vfs_read\")", "int sonde_s0_p0(struct pt_regs *ctx) {",
             "__u64 r0 = (__u64)(ctx->dx);", "__s64 x = (__s64)((__u64)(__u64)(r0));",
             "__u64 r1 = (__u64)(ctx->di);", "key.k0 = (__s64)r1;"}},
      {.name = "FexitReturnValueFollowsTheArguments",
       .source = "on fexit:vfs_read histogram log2 retval",
       .spec = {"probe sonde_s0_p0 kind=fexit target=vfs_read",
                "metric sonde_vfs_read_retval aggregation=histogram buckets=log2"},
       .c = {"SEC(\"fexit/vfs_read\")", "int sonde_s0_p0(__u64 *ctx) {",
             "__u64 r0 = (__u64)(ctx[4]);", "__s64 x = (__s64)((__s64)r0);",
             "sonde_hist(&v->head, v->buckets, 33, sonde_log2_bucket(x, 1, 1ULL, 1, 32), x);"}},
      {.name = "FentryPointerChainToAString",
       .source = "on fentry:vfs_read count by str(file.f_path.dentry.d_name.name, 32)",
       .spec = {"probe sonde_s0_p0 kind=fentry target=vfs_read",
                "label sonde_vfs_read_total.file_f_path_dentry_d_name_name offset=0 size=33 "
                "decoder=string"},
       .c = {"__u64 r4 = (__u64)(ctx[0]);", "__u64 p3 = (__u64)(r4);", "->f_path.dentry);",
             "->d_name.name);",
             "if (bpf_probe_read_kernel_str(key.k0, 33, (const void *)(long)((__u64)t0)) < 0) "
             "sonde_unreadable(key.k0);"}},
      {.name = "ProfileSamplesKernelStacks",
       .source = "on profile:hz:99 count by kstack",
       .spec =
           {"probe sonde_s0_p0 kind=perf_event perf_type=1 perf_config=0 sample_period=0 "
            "sample_freq=99",
            "label sonde_profile_total.kstack offset=0 size=8 decoder=kstack aux_map=sonde_sk0"},
       .c = {"__uint(type, BPF_MAP_TYPE_STACK_TRACE);", "} sonde_sk0 SEC(\".maps\");",
             "SEC(\"perf_event\")", "int sonde_s0_p0(struct bpf_perf_event_data *ctx) {",
             "key.k0 = (__s64)bpf_get_stackid(ctx, &sonde_sk0, 0);"}},
      {.name = "SoftwareEventWithAPeriod",
       .source = "on software:page-faults:100 count by comm, pid",
       .spec = {"probe sonde_s0_p0 kind=perf_event target=page-faults perf_type=1 perf_config=2 "
                "sample_period=100 sample_freq=0",
                "label sonde_page_faults_total.pid offset=16 size=8 decoder=unsigned"},
       .c = {"key.k1 = (__u64)(bpf_get_current_pid_tgid() >> 32);"}},

      // ---- containers: labels decoded from the cgroup id, subtrees tested in the kernel ----
      {.name = "ContainerLabelsCarryTheCgroupId",
       .source = "on tracepoint:sched:sched_process_exec count by container(cgroup), pod(cgroup), "
                 "unit(cgroup)",
       .spec = {"label sonde_sched_process_exec_total.container offset=0 size=8 decoder=container",
                "label sonde_sched_process_exec_total.pod offset=8 size=8 decoder=pod",
                "label sonde_sched_process_exec_total.unit offset=16 size=8 decoder=unit"},
       .c = {"key.k0 = (__u64)bpf_get_current_cgroup_id();",
             "key.k2 = (__u64)bpf_get_current_cgroup_id();"},
       .c_absent = {"BPF_MAP_TYPE_CGROUP_ARRAY"}},
      {.name = "InCgroupTestsASlotOfOneArrayPerProgram",
       .source = "on tracepoint:sched:sched_process_exec where in_cgroup(\"/kubepods\") count\non "
                 "tracepoint:sched:sched_process_exit where in_cgroup(\"/system.slice\") || "
                 "in_cgroup(\"/kubepods\") count",
       .spec = {"cgroup /kubepods map=sonde_cgroups slot=0",
                "cgroup /system.slice map=sonde_cgroups slot=1"},
       .c = {"__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);\n  __uint(max_entries, 2);",
             "} sonde_cgroups SEC(\".maps\");",
             "if (!((__s64)(bpf_current_task_under_cgroup(&sonde_cgroups, 0) == 1))) return 0;",
             "bpf_current_task_under_cgroup(&sonde_cgroups, 1) == 1",
             "bpf_current_task_under_cgroup(&sonde_cgroups, 0) == 1"}},

      // ---- statements on one hook share one program (issue 17) ----
      // Each statement's body is an always-inline function whose `return 0` (a predicate
      // that fails) ends that body only; the one program on the hook calls each in turn,
      // and the probes of both statements name it. A statement alone on its hook keeps
      // its own program.
      {.name = "StatementsOnOneHookShareOneProgram",
       .source = "on tracepoint:raw_syscalls:sys_enter where id == 1000000 count as never\n"
                 "on tracepoint:raw_syscalls:sys_enter count by pid as by_pid\n"
                 "on tracepoint:sched:sched_switch count as switches",
       .spec = {"probe sonde_h0 kind=raw_tracepoint target=sys_enter statement=0",
                "probe sonde_h0 kind=raw_tracepoint target=sys_enter statement=1",
                "probe sonde_s2_p0 kind=tracepoint target=sched:sched_switch statement=2",
                "metric never_total drop_index=0", "metric by_pid_total drop_index=1"},
       .c = {"static __always_inline int sonde_s0_p0(struct bpf_raw_tracepoint_args *ctx) {",
             "1000000", "return 0;\n}",
             "static __always_inline int sonde_s1_p0(struct bpf_raw_tracepoint_args *ctx) {",
             "sonde_lookup_or_init(&sonde_m1, &key, &sonde_z1, 1);",
             "SEC(\"tracepoint/sched/sched_switch\")\nint sonde_s2_p0(",
             "SEC(\"raw_tp/sys_enter\")\nint sonde_h0(struct bpf_raw_tracepoint_args *ctx) {\n"
             "  sonde_s0_p0(ctx);\n  sonde_s1_p0(ctx);\n  return 0;\n}"},
       .c_absent = {"SEC(\"raw_tp/sys_enter\")\nint sonde_s0_p0",
                    "SEC(\"raw_tp/sys_enter\")\nint sonde_s1_p0",
                    "static __always_inline int sonde_s2_p0"}},
      // A span's start and end on one hook (runqlat's sched_switch) are one program too,
      // the start's body first, as the two programs ran in attach order.
      {.name = "SpanStartAndEndOnOneHookShareOneProgram",
       .source = "histogram log2 latency of sched runq",
       .spec = {"probe sonde_h0 target=sched_switch statement=0"},
       .c = {"static __always_inline int sonde_s0_a2(", "static __always_inline int sonde_s0_b0(",
             "int sonde_h0(struct bpf_raw_tracepoint_args *ctx) {\n  sonde_s0_a2(ctx);\n  "
             "sonde_s0_b0(ctx);\n  return 0;\n}"}},
      // Bodies whose stack estimates add up past sema's budget get another program on
      // the hook: inlined, each may keep its own stack, and each statement alone fit.
      {.name = "BodiesPastTheStackBudgetGetAnotherProgram",
       .source = "on tracepoint:syscalls:sys_enter_openat count by str(filename, 240) as a\n"
                 "on tracepoint:syscalls:sys_enter_openat count by str(filename, 240) as b\n"
                 "on tracepoint:syscalls:sys_enter_openat count as c",
       .spec = {"probe sonde_s0_p0 statement=0", "probe sonde_h0 statement=1",
                "probe sonde_h0 statement=2"},
       .c = {"SEC(\"tracepoint/syscalls/sys_enter_openat\")\nint sonde_s0_p0(",
             "  sonde_s1_p0(ctx);\n  sonde_s2_p0(ctx);\n  return 0;\n}"},
       .c_absent = {"sonde_h1", "static __always_inline int sonde_s0_p0"}},
      // At most 16 bodies a shared program (the verifier checks them in turn): the 17th
      // statement on the hook has a program of its own.
      {.name = "AtMostSixteenBodiesAShareProgram",
       .source = "on tracepoint:sched:sched_switch count as s0\n"
                 "on tracepoint:sched:sched_switch count as s1\n"
                 "on tracepoint:sched:sched_switch count as s2\n"
                 "on tracepoint:sched:sched_switch count as s3\n"
                 "on tracepoint:sched:sched_switch count as s4\n"
                 "on tracepoint:sched:sched_switch count as s5\n"
                 "on tracepoint:sched:sched_switch count as s6\n"
                 "on tracepoint:sched:sched_switch count as s7\n"
                 "on tracepoint:sched:sched_switch count as s8\n"
                 "on tracepoint:sched:sched_switch count as s9\n"
                 "on tracepoint:sched:sched_switch count as s10\n"
                 "on tracepoint:sched:sched_switch count as s11\n"
                 "on tracepoint:sched:sched_switch count as s12\n"
                 "on tracepoint:sched:sched_switch count as s13\n"
                 "on tracepoint:sched:sched_switch count as s14\n"
                 "on tracepoint:sched:sched_switch count as s15\n"
                 "on tracepoint:sched:sched_switch count as s16\n",
       .spec = {"probe sonde_h0 kind=tracepoint target=sched:sched_switch statement=15",
                "probe sonde_s16_p0 kind=tracepoint target=sched:sched_switch statement=16"},
       .c = {"SEC(\"tracepoint/sched/sched_switch\")\nint sonde_s16_p0(",
             "  sonde_s15_p0(ctx);\n  return 0;\n}"},
       .c_absent = {"sonde_h1", "sonde_s16_p0(ctx);"}},
      // What several bodies of a shared program read alike is read once by it
      // (shared_values.h): `id` (ctx->args[1]), read by each predicate, before them all;
      // the predicate the three spell alike, tested once with the bodies called under
      // it; the comm two of them key by, read once under it. The pid only one body reads
      // stays in that body.
      {.name = "ValuesTwoBodiesReadAreReadOnceAndTheirCommonPredicateTestedOnce",
       .source = "on tracepoint:raw_syscalls:sys_enter where id == 39 count by comm as a\n"
                 "on tracepoint:raw_syscalls:sys_enter where id == 39 count by pid as b\n"
                 "on tracepoint:raw_syscalls:sys_enter where id == 39 sum id by comm as c",
       .spec = {"probe sonde_h0 statement=0", "probe sonde_h0 statement=2"},
       .c = {"struct sonde_h0_values {\n  char comm[16];\n  __u64 c0;\n};",
             "static __always_inline int sonde_s0_p0(struct bpf_raw_tracepoint_args *ctx, const "
             "struct sonde_h0_values *sv) {\n  __u64 r0 = sv->c0;\n",
             "__builtin_memcpy(key.k0, sv->comm, 16);",
             "key.k0 = (__u64)(bpf_get_current_pid_tgid() >> 32);",
             "__s64 x = (__s64)((__s64)(__s64)(r0));", "__builtin_memcpy(key.k0, sv->comm, 16);",
             "int sonde_h0(struct bpf_raw_tracepoint_args *ctx) {\n  struct sonde_h0_values "
             "values;\n  const struct sonde_h0_values *sv = &values;\n  __u64 v_c0 = "
             "(__u64)(ctx->args[1]);\n  asm volatile(\"\" : \"+r\"(v_c0));\n  values.c0 = v_c0;\n"
             "  {\n    __u64 r0 = sv->c0;\n    if (",
             "(__s64)((__s64)39ULL))) {\n      bpf_get_current_comm(values.comm, 16);\n      "
             "sonde_s0_p0(ctx, sv);\n      sonde_s1_p0(ctx, sv);\n      sonde_s2_p0(ctx, sv);\n    "
             "}\n  }\n  return 0;\n}"},
       .c_absent = {"bpf_get_current_comm(key.k0", "return 0;\n  struct sonde_k",
                    "(__u64)(ctx->args[1]);\n  asm volatile(\"\" : \"+r\"(r0));", "values.pid_tgid",
                    "sonde_h1"}},
      // A value one body reads stays in that body: nothing is read for it before.
      {.name = "AValueOneBodyReadsStaysInThatBody",
       .source = "on tracepoint:sched:sched_switch count by comm as a\n"
                 "on tracepoint:sched:sched_switch count by prev_pid as b",
       .spec = {"probe sonde_h0 statement=1"},
       .c = {"bpf_get_current_comm(key.k0, 16);",
             "__u64 r0 = (__u64)(ctx->prev_pid);\n  asm volatile(\"\" : \"+r\"(r0));",
             "int sonde_h0(struct trace_event_raw_sched_switch",
             " *ctx) {\n  sonde_s0_p0(ctx);\n  sonde_s1_p0(ctx);\n  return 0;\n}"},
       .c_absent = {"sonde_h0_values", "sv->"}},
      // Predicates that differ are each tested in their body; what both read before their
      // test is read once, what each reads after it only when its own test passes.
      {.name = "DifferentPredicatesStayInTheirBodies",
       .source = "on tracepoint:raw_syscalls:sys_enter where id == 39 count by pid as a\n"
                 "on tracepoint:raw_syscalls:sys_enter where id == 40 count by pid as b",
       .c = {"struct sonde_h0_values {\n  __u64 c0;\n};",
             "__u64 r0 = sv->c0;\n  if (!((__s64)((__s64)((__s64)(__s64)(r0)) == "
             "(__s64)((__s64)39ULL)))) return 0;",
             "key.k0 = (__u64)(bpf_get_current_pid_tgid() >> 32);",
             "__u64 r0 = sv->c0;\n  if (!((__s64)((__s64)((__s64)(__s64)(r0)) == "
             "(__s64)((__s64)40ULL)))) return 0;",
             "key.k0 = (__u64)(bpf_get_current_pid_tgid() >> 32);",
             "  values.c0 = v_c0;\n  sonde_s0_p0(ctx, sv);\n  sonde_s1_p0(ctx, sv);\n  return "
             "0;\n}"},
       .c_absent = {"values.pid_tgid", "  {\n"}},
      // Hooks that differ in their attach target stay apart: uprobe and uretprobe.
      {.name = "ProgramsOnDifferentTargetsStayApart",
       .source = "on uprobe:{SELF}:sonde_lower_probed count as calls\n"
                 "on uretprobe:{SELF}:sonde_lower_probed count as returns\n"
                 "on uprobe:{SELF}:sonde_lower_probed sum arg0 as args",
       .spec = {"probe sonde_s1_p0 kind=uretprobe", "probe sonde_h0 kind=uprobe statement=0",
                "probe sonde_h0 kind=uprobe statement=2"},
       .c = {"SEC(\"uretprobe\")\nint sonde_s1_p0(",
             "SEC(\"uprobe\")\nint sonde_h0(struct pt_regs *ctx) {\n  sonde_s0_p0(ctx);\n  "
             "sonde_s2_p0(ctx);\n  return 0;\n}"}},

      // ---- user space ----
      {.name = "UprobeArgumentsAndUserStacks",
       .source = "on uprobe:{SELF}:sonde_lower_probed histogram log2 arg0 by ustack",
       .spec = {"probe sonde_s0_p0 kind=uprobe target=sonde_lower_probed path={SELF}",
                "metric sonde_sonde_lower_probed_arg0 key_size=16",
                "label sonde_sonde_lower_probed_arg0.ustack offset=0 size=8 decoder=ustack "
                "aux_map=sonde_sk0 pid_offset=8 binary={SELF}"},
       .c = {"SEC(\"uprobe\")", "__u64 r0 = (__u64)(ctx->di);", "__s64 x = (__s64)((__s64)r0);",
             "key.k0 = (__s64)bpf_get_stackid(ctx, &sonde_sk0, BPF_F_USER_STACK);",
             "key.pid = bpf_get_current_pid_tgid() >> 32;"}},
      {.name = "UretprobeReturnValue",
       .source = "on uretprobe:{SELF}:sonde_lower_probed sum retval",
       .spec = {"probe sonde_s0_p0 kind=uretprobe target=sonde_lower_probed path={SELF}"},
       .c = {"SEC(\"uretprobe\")", "__u64 r0 = (__u64)(ctx->ax);",
             "__s64 x = (__s64)((__s64)r0);"}},
      {.name = "UsdtArgumentsComeFromTheNote",
       .source = "on usdt:{SELF}:sonde:tock sum arg0",
       .spec = {"probe sonde_s0_p0 kind=usdt target=tock path={SELF} provider=sonde"},
       .c = {"#include <bpf/usdt.bpf.h>", "SEC(\"usdt\")", "bpf_usdt_arg(ctx, 0, &t0);"}},
  };
  return rows;
}

}  // namespace sonde::lower
