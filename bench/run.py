#!/usr/bin/env python3
"""sonde's benchmark suite, beside bpftrace and hand-written libbpf programs.

One command, as root, after building sonde (scripts/build.sh):

    bench/run.py                    # everything, ~15 min on 2 cores
    bench/run.py --rounds 3 --only startup,overhead

Sections (--only takes a comma-separated list):
  startup   text -> attached (`sonde run -e`, its "attached" line) for the timer,
            block-latency and run-queue one-liners, with a warm compile cache and with
            --no-cache, beside bpftrace's equivalents (__BPFTRACE_NOTIFY_PROBES_ATTACHED);
            and the resident memory of each while running.
  agent     bundle -> attached and RSS of sonde-agent (bench/agent/bench.py).
  overhead  ns added per getpid() on a loop pinned to one CPU, for a plain count, count
            by pid, count by comm on every syscall and an enter/exit latency histogram:
            sonde, bpftrace and hand-written libbpf (bench/libbpf/probes.bpf.c).
  hooks     the same loop under hand-written programs on each hook (classic tracepoint,
            raw tracepoint, BTF tracepoint), and what a getpid filter costs every other
            syscall: the measurements behind sonde's choice of hook.
  wildcards syscall wildcards (`sys_enter_*` and narrower): text -> attached, SIGINT ->
            exited (detach), the links held, and ns added per getppid() when it is
            selected and when it is not: the figures behind the threshold of one raw
            program (compiler/lower/syscall_wildcard.h).
  shared    1, 3 and 6 statements on tracepoint:raw_syscalls:sys_enter (each counting
            getpid calls): ns added per getpid() with the statements sharing one program
            (sonde's default), with a program each (SONDE_SEPARATE_PROGRAMS=1, a bench
            knob), as one hand-written program (bench/libbpf: rawtp_shared<N>), and typed
            one by one into `sonde repl` (a hook chain: one dispatcher tail-calling a
            program a statement); the empty raw_tp hook beside them, for the budget
            "one hook + N bodies" (issue 17); and 6 statements sharing `where id == 39`
            keyed by comm and by pid, with what they read alike read once (the default),
            read by each body (SONDE_SHARED_VALUES=0, another bench knob) and as a
            program each.
  scrape    time to produce /metrics for 1k, 10k and 100k series of a counter and of a
            histogram, filled through a tracepoint by bench/loadgen.c.
  micro     sonde's own code alone (bench/micro, built with the tests): rendering 100k
            series, decoding per key cached and uncached, the endpoint beside a slow
            client and its stop, BPF object load paths, the kernel BTF's startup cost.
            These are the measurements tests must not assert (no timing in tests/).

Every figure is the median of interleaved rounds, with min and max: tools take turns
within a round, so a burst of load on the machine hits all of them alike. The helpers
(bench/*.c, bench/libbpf/*) are built here into BUILD/bench, not by the main build.
"""
import argparse
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")

# (name, sonde program, bpftrace program)
ONE_LINERS = [
    ("timer", "on tracepoint:timer:timer_start count by ksym(func)",
     "tracepoint:timer:timer_start { @[ksym(args->function)] = count(); }"),
    ("block latency", "histogram log2 latency of block rq",
     "tracepoint:block:block_rq_issue { @start[args->dev, args->sector] = nsecs; } "
     "tracepoint:block:block_rq_complete /@start[args->dev, args->sector]/ { "
     "@ns = hist(nsecs - @start[args->dev, args->sector]); delete(@start[args->dev, args->sector]); }"),
    ("runq latency", "histogram log2 latency of sched runq",
     "tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @start[args->pid] = nsecs; } "
     "tracepoint:sched:sched_switch /@start[args->next_pid]/ { "
     "@ns = hist(nsecs - @start[args->next_pid]); delete(@start[args->next_pid]); }"),
]

# (name, sonde program, bpftrace program, hand-written libbpf programs on the hook sonde
# uses, and on the cheapest hook for the measured syscall; see the hooks section for
# what the latter costs every other syscall)
WORKLOADS = [
    ("count", "on tracepoint:syscalls:sys_enter_getpid count",
     "tracepoint:syscalls:sys_enter_getpid { @ = count(); }", ["tp_count"], ["btf_count"]),
    ("count by pid", "on tracepoint:syscalls:sys_enter_getpid count by pid",
     "tracepoint:syscalls:sys_enter_getpid { @[pid] = count(); }", ["tp_pid"], ["btf_pid"]),
    ("count by comm, every syscall", "on tracepoint:raw_syscalls:sys_enter count by comm",
     "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }", ["tp_comm"], ["btf_comm"]),
    ("latency histogram", "histogram log2 latency of syscall getpid",
     "tracepoint:syscalls:sys_enter_getpid { @start[tid] = nsecs; } "
     "tracepoint:syscalls:sys_exit_getpid /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }",
     ["tp_hist_enter", "tp_hist_exit"], ["btf_hist_enter", "btf_hist_exit"]),
]

# Hand-written variants: (row, programs). See bench/libbpf/probes.bpf.c.
HOOKS = [
    ("empty: tracepoint sys_enter_getpid", ["tp_empty"]),
    ("empty: raw_tp sys_enter", ["rawtp_empty"]),
    ("empty: tp_btf sys_enter", ["btf_empty"]),
    ("count: tracepoint sys_enter_getpid", ["tp_count"]),
    ("count: tracepoint raw_syscalls + id filter", ["tp_rawsys_count"]),
    ("count: raw_tp sys_enter + id filter", ["rawtp_count"]),
    ("count: tp_btf sys_enter + id filter", ["btf_count"]),
    ("by pid: tracepoint sys_enter_getpid", ["tp_pid"]),
    ("by pid: raw_tp + id filter", ["rawtp_pid"]),
    ("by pid: tp_btf + id filter", ["btf_pid"]),
    ("by comm: tracepoint raw_syscalls", ["tp_comm"]),
    ("by comm: raw_tp sys_enter", ["rawtp_comm"]),
    ("by comm: tp_btf sys_enter", ["btf_comm"]),
    ("histogram: tracepoints enter/exit_getpid", ["tp_hist_enter", "tp_hist_exit"]),
    ("histogram: tp_btf enter/exit + id filter", ["btf_hist_enter", "btf_hist_exit"]),
    ("histogram: tp_btf, LRU start map", ["btf_lru_enter", "btf_lru_exit"]),
]
# What a probe on getpid costs a loop of another syscall (getppid).
OTHER_SYSCALL_HOOKS = [
    ("tracepoint sys_enter_getpid", ["tp_count"]),
    ("raw_tp sys_enter + id filter", ["rawtp_count"]),
    ("tp_btf sys_enter + id filter", ["btf_count"]),
]
SYS_GETPPID = 110

SCRAPE_SIZES = [1000, 10000, 100000]
# Counter: one series per key. Histogram: observations of 16 and 64 show the buckets
# le=8 (one empty bucket below the lowest), 16, 32, 64, +Inf, _sum and _count.
SCRAPE_COUNTER = ("on tracepoint:syscalls:sys_enter_lseek where whence == 7 count by offset as bench_counter",
                  ["7"], 1)
SCRAPE_HISTOGRAM = ("on tracepoint:syscalls:sys_enter_lseek where whence >= 16 histogram log2 whence by offset "
                    "as bench_hist", ["16", "64"], 7)


def log(text):
    print(text, file=sys.stderr, flush=True)


def stats(values):
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def fmt_stats(values, digits=1):
    if not values:
        return "-"
    med, lo, hi = stats(values)
    return f"{med:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def ratio(a, b):
    return f"{statistics.median(a) / statistics.median(b):.2f}x" if a and b else "-"


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(flush=True)


# --- building the helpers --------------------------------------------------------------

def build_helpers(out):
    os.makedirs(out, exist_ok=True)
    steps = [
        ("probes.bpf.o", ["libbpf/probes.bpf.c"],
         ["clang-16", "-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86",
          "-I/usr/include/x86_64-linux-gnu", "-c", "{src}", "-o", "{out}"]),
        ("loader", ["libbpf/loader.c"], ["cc", "-O2", "-o", "{out}", "{src}", "-lbpf"]),
        ("getpid_loop", ["getpid_loop.c"], ["cc", "-O2", "-o", "{out}", "{src}"]),
        ("loadgen", ["loadgen.c"], ["cc", "-O2", "-o", "{out}", "{src}"]),
    ]
    for target, sources, command in steps:
        target_path = os.path.join(out, target)
        source_paths = [os.path.join(BENCH, s) for s in sources]
        if os.path.exists(target_path) and all(
                os.path.getmtime(s) <= os.path.getmtime(target_path) for s in source_paths):
            continue
        argv = [a.replace("{src}", source_paths[0]).replace("{out}", target_path) for a in command]
        subprocess.run(argv, check=True)


# --- running tracers ---------------------------------------------------------------------

def rss_kib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Tracer:
    """A tracing process started and timed to its ready line (on stderr)."""

    def __init__(self, argv, ready, env=None):
        self.argv = argv
        full_env = dict(os.environ)
        full_env.update(env or {})
        start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=full_env)
        self.seen = self._read_until(ready, start + 60)
        self.ready_ms = (time.perf_counter() - start) * 1000
        if self.seen is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"{argv[0]} never printed '{ready}'")
        # Keep draining stderr: a tracer blocked on a full pipe would stall the workload.
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_until(self, pattern, deadline):
        fd = self.proc.stderr.fileno()
        seen = ""
        while not re.search(pattern, seen):
            left = deadline - time.perf_counter()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            seen += chunk.decode(errors="replace")
        return seen

    def _drain(self):
        """Reads stderr to its end, keeping the lines of scrape stages (SONDE_SCRAPE_STAGES=1)."""
        self.stage_lines = []
        pending = b""
        try:
            while chunk := os.read(self.proc.stderr.fileno(), 65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                self.stage_lines += [line.decode() for line in lines if line.startswith(b"scrape stages ms:")]
        except (OSError, ValueError):
            pass

    def take_stages(self, deadline=5.0):
        """{stage: ms} of the next scrape's stage line, once it is in (None if none comes)."""
        end = time.perf_counter() + deadline
        while time.perf_counter() < end:
            if getattr(self, "stage_lines", None):
                line = self.stage_lines.pop(0)
                return {k: float(v) for k, v in (f.split("=") for f in line.split(":", 1)[1].split())}
            time.sleep(0.005)
        return None

    def rss_kib(self):
        return rss_kib(self.proc.pid)

    def stop(self):
        # bpftrace 0.17 can miss a SIGINT sent right after it starts: send it again.
        for _ in range(20):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def cache_env(args):
    """sonde's compile cache, kept apart from the user's."""
    return {"SONDE_CACHE_DIR": os.path.join(args.helpers, "cache")}


def sonde_run(args, program, extra=(), env=None):
    return Tracer([args.sonde, "run", "-e", program, *extra], r"attached \d+ probe", env)


class Repl(Tracer):
    """`sonde repl` with statements typed one by one, each attached before the next is
    sent (as a user types them); its stdin stays open while it runs, and closes to stop it."""

    def __init__(self, args, statements, env=None):
        self.argv = [args.sonde, "repl"]
        full_env = dict(os.environ)
        full_env.update(env or {})
        start = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=full_env)
        fd, seen = self.proc.stdout.fileno(), ""
        for i, statement in enumerate(statements):
            self.proc.stdin.write((statement + "\n").encode())
            self.proc.stdin.flush()
            while not re.search(rf"\[{i + 1}\] attached", seen):
                left = start + 60 - time.perf_counter()
                chunk = os.read(fd, 65536) if left > 0 and select.select([fd], [], [], left)[0] else b""
                if not chunk:
                    self.proc.kill()
                    self.proc.wait()
                    raise RuntimeError(f"sonde repl never attached [{i + 1}]: {seen}")
                seen += chunk.decode(errors="replace")
        self.ready_ms = (time.perf_counter() - start) * 1000
        threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(fd, 65536), b"")],
                         daemon=True).start()

    def stop(self):
        self.proc.stdin.close()  # the end of its input: the REPL detaches everything and exits
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            super().stop()


def bpftrace_run(program):
    return Tracer(["bpftrace", "-e", program], "__BPFTRACE_NOTIFY_PROBES_ATTACHED",
                  {"__BPFTRACE_NOTIFY_PROBES_ATTACHED": "1"})


def libbpf_run(args, programs):
    return Tracer([os.path.join(args.helpers, "loader"), os.path.join(args.helpers, "probes.bpf.o"), *programs],
                  r"attached \d+ programs")


# --- startup -----------------------------------------------------------------------------

def startup(args):
    variants = [
        ("sonde", lambda p: sonde_run(args, p[1], env=cache_env(args))),
        ("sonde --no-cache", lambda p: sonde_run(args, p[1], ["--no-cache"])),
        ("bpftrace", lambda p: bpftrace_run(p[2])),
    ]
    times = {}
    rss = {}
    for one_liner in ONE_LINERS:  # fill the cache and the page cache
        for _, start in variants:
            start(one_liner).stop()
    for r in range(args.rounds):
        log(f"startup: round {r + 1}/{args.rounds}")
        for one_liner in ONE_LINERS:
            for who, start in variants:
                t = start(one_liner)
                time.sleep(0.5)  # running, not starting: what it keeps
                times.setdefault((one_liner[0], who), []).append(t.ready_ms)
                rss.setdefault((one_liner[0], who), []).append(t.rss_kib() / 1024)
                t.stop()

    print(f"### text -> attached, ms (median of {args.rounds}, min-max)\n")
    rows = []
    for name, _, _ in ONE_LINERS:
        bt = times[(name, "bpftrace")]
        rows.append([name, fmt_stats(times[(name, "sonde")]), fmt_stats(times[(name, "sonde --no-cache")]),
                     fmt_stats(bt), ratio(times[(name, "sonde")], bt), ratio(times[(name, "sonde --no-cache")], bt)])
    table(["one-liner", "sonde (cached)", "sonde --no-cache", "bpftrace", "ratio cached", "ratio no-cache"], rows)

    print("### resident memory while running, MB (0.5 s after attaching)\n")
    rows = []
    for name, _, _ in ONE_LINERS:
        bt = rss[(name, "bpftrace")]
        rows.append([name, fmt_stats(rss[(name, "sonde")]), fmt_stats(bt), ratio(rss[(name, "sonde")], bt)])
    table(["one-liner", "sonde run", "bpftrace", "ratio"], rows)


# --- agent -------------------------------------------------------------------------------

def agent(args):
    if not os.path.exists(os.path.join(args.build, "sonde-agent")):
        print("### agent\n\nskipped: no sonde-agent in the build directory\n")
        return
    print(f"### bundle -> attached (bench/agent/bench.py --runs {args.rounds})\n")
    print("```")
    sys.stdout.flush()
    subprocess.run([sys.executable, os.path.join(BENCH, "agent", "bench.py"), "--runs", str(args.rounds),
                    "--build", args.build], check=True)
    print("```\n", flush=True)


# --- per-event overhead ------------------------------------------------------------------

def loop_ns(args, nr=None):
    """ns per call of the pinned syscall loop: its thread's CPU time (the machine is
    shared: wall time would count other processes' turns on the CPU), the least of
    `args.loop_runs` runs (interference only ever adds time)."""
    argv = [os.path.join(args.helpers, "getpid_loop"), str(args.iterations), str(args.cpu)]
    if nr is not None:
        argv.append(str(nr))
    runs = [float(subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()[1])
            for _ in range(args.loop_runs)]
    return min(runs)


def program_stats(pid):
    """(run_time_ns, run_cnt) of each BPF program `pid` holds, from its fdinfo: the kernel's
    own timing of each run while kernel.bpf_stats_enabled is on (sonde run turns it on)."""
    stats = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return stats
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:bpf-prog":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = f.read()
        except OSError:
            continue
        m = re.search(r"^run_time_ns:\s*(\d+)", info, re.M)
        c = re.search(r"^run_cnt:\s*(\d+)", info, re.M)
        if m and c:
            stats.append((int(m.group(1)), int(c.group(1))))
    return stats


def overhead_of(args, start, nr=None):
    """ns added per call by the tracer `start()` starts, against a baseline run next to it;
    and the ns its BPF programs ran per hook event during the traced loop (all their run
    time over the runs of the most-run one; None when the kernel counted no run)."""
    base = loop_ns(args, nr)
    t = start()
    time.sleep(0.2)
    before = program_stats(t.proc.pid)
    traced = loop_ns(args, nr)
    after = program_stats(t.proc.pid)
    rss = t.rss_kib() / 1024
    t.stop()
    per_event = None
    if before and len(before) == len(after):
        ns = sum(a[0] - b[0] for a, b in zip(after, before))
        runs = max(a[1] - b[1] for a, b in zip(after, before))
        per_event = ns / runs if runs else None
    return traced - base, base, rss, per_event


def overhead(args):
    tools = [
        ("sonde", lambda w: (lambda: sonde_run(args, w[1], env=cache_env(args)))),
        ("bpftrace", lambda w: (lambda: bpftrace_run(w[2]))),
        ("libbpf", lambda w: (lambda: libbpf_run(args, w[3]))),
        ("libbpf best", lambda w: (lambda: libbpf_run(args, w[4]))),
    ]
    added, bases, rss = {}, [], {}
    for r in range(args.rounds):
        log(f"overhead: round {r + 1}/{args.rounds}")
        for w in WORKLOADS:
            for who, make in tools:
                ns, base, mb, _ = overhead_of(args, make(w))
                added.setdefault((w[0], who), []).append(ns)
                rss.setdefault((w[0], who), []).append(mb)
                bases.append(base)
    print(f"### per-event overhead, ns added per getpid() (median of {args.rounds} rounds, min-max; "
          f"least CPU time of {args.loop_runs} loops of {args.iterations} calls on CPU {args.cpu}; "
          f"untraced {statistics.median(bases):.0f} ns)\n")
    print("libbpf: hand-written, on the hook sonde uses; libbpf best: on the cheapest hook for getpid "
          "(tp_btf on sys_enter with an id filter), which every other syscall pays for (hooks section).\n")
    rows = []
    for w in WORKLOADS:
        s, b, l, best = (added[(w[0], who)] for who in ("sonde", "bpftrace", "libbpf", "libbpf best"))
        rows.append([w[0], fmt_stats(s), fmt_stats(b), fmt_stats(l), fmt_stats(best), ratio(s, b), ratio(s, l),
                     ratio(s, best)])
    table(["workload", "sonde", "bpftrace", "libbpf", "libbpf best", "sonde / bpftrace", "sonde / libbpf",
           "sonde / best"], rows)
    print("### resident memory while running the workloads, MB\n")
    rows = [[w[0]] + [fmt_stats(rss[(w[0], who)]) for who in ("sonde", "bpftrace", "libbpf")]
            + [ratio(rss[(w[0], "sonde")], rss[(w[0], "bpftrace")])] for w in WORKLOADS]
    table(["workload", "sonde run", "bpftrace", "libbpf loader", "sonde / bpftrace"], rows)


def hooks(args):
    added, other = {}, {}
    for r in range(args.rounds):
        log(f"hooks: round {r + 1}/{args.rounds}")
        for row, programs in HOOKS:
            added.setdefault(row, []).append(overhead_of(args, lambda: libbpf_run(args, programs))[0])
        for row, programs in OTHER_SYSCALL_HOOKS:
            other.setdefault(row, []).append(
                overhead_of(args, lambda: libbpf_run(args, programs), SYS_GETPPID)[0])
        other.setdefault("sonde: on tracepoint:syscalls:sys_enter_getpid count", []).append(overhead_of(
            args, lambda: sonde_run(args, WORKLOADS[0][1], env=cache_env(args)),
            SYS_GETPPID)[0])
    print(f"### hand-written programs by hook, ns added per getpid() (median of {args.rounds}, min-max)\n")
    table(["program", "ns"], [[row, fmt_stats(added[row])] for row, _ in HOOKS])
    print("### a probe on getpid, ns added per getppid() (the cost to every other syscall)\n")
    table(["probe", "ns"], [[row, fmt_stats(v)] for row, v in other.items()])


# --- statements sharing a hook (issue 17) -------------------------------------------------

SHARED_COUNTS = [1, 3, 6]


def shared_program(n):
    return "\n".join(f"on tracepoint:raw_syscalls:sys_enter where id == 39 count as shared{i}" for i in range(n))


# Six statements sharing `where id == 39`, keyed alternately by comm and by pid: what the
# shared program reads once for them (compiler/lower/shared_values.h), against each body
# reading its own (SONDE_SHARED_VALUES=0, a bench knob: the lowering before it) and a
# program each.
KEYED_COUNT = 6


def keyed_program(n):
    return "\n".join(f"on tracepoint:raw_syscalls:sys_enter where id == 39 count by {'comm' if i % 2 == 0 else 'pid'} "
                     f"as keyed{i}" for i in range(n))


def shared(args):
    separate_env = dict(cache_env(args), SONDE_SEPARATE_PROGRAMS="1")
    unshared_env = dict(cache_env(args), SONDE_SHARED_VALUES="0")
    variants = [
        ("shared", lambda n: sonde_run(args, shared_program(n), env=cache_env(args))),
        ("separate", lambda n: sonde_run(args, shared_program(n), env=separate_env)),
        ("libbpf", lambda n: libbpf_run(args, [f"rawtp_shared{n}"])),
        # Typed one by one: one hook's dispatcher tail-calls a program a statement
        # (tools/sonde/repl/hook_chains.h).
        ("repl", lambda n: Repl(args, shared_program(n).split("\n"), env=cache_env(args))),
    ]
    # --listen: sonde run turns the kernel's program statistics on while it serves.
    listen = ("--listen", "127.0.0.1:0")
    keyed = [
        (("count", "values shared"),
         lambda: sonde_run(args, shared_program(KEYED_COUNT), listen, env=cache_env(args))),
        (("count", "values per body"),
         lambda: sonde_run(args, shared_program(KEYED_COUNT), listen, env=unshared_env)),
        (("by comm / pid", "values shared"),
         lambda: sonde_run(args, keyed_program(KEYED_COUNT), listen, env=cache_env(args))),
        (("by comm / pid", "values per body"),
         lambda: sonde_run(args, keyed_program(KEYED_COUNT), listen, env=unshared_env)),
        (("by comm / pid", "a program each"),
         lambda: sonde_run(args, keyed_program(KEYED_COUNT), listen, env=separate_env)),
    ]
    added, hook, keyed_added, keyed_run = {}, [], {}, {}
    for r in range(args.rounds):
        log(f"shared: round {r + 1}/{args.rounds}")
        hook.append(overhead_of(args, lambda: libbpf_run(args, ["rawtp_empty"]))[0])
        for n in SHARED_COUNTS:
            for who, start in variants:
                added.setdefault((n, who), []).append(overhead_of(args, lambda: start(n))[0])
        for who, start in keyed:
            added_ns, _, _, per_event = overhead_of(args, start)
            keyed_added.setdefault(who, []).append(added_ns)
            if per_event is not None:
                keyed_run.setdefault(who, []).append(per_event)
    # What each statement past the first adds, per round (a round's figures are taken
    # close together; between rounds the shared machine's load moves the hook's cost by
    # tens of ns): a hook and a body for separate programs, a body for one program.
    def per_extra(who, n):
        return [(x - one) / (n - 1) for x, one in zip(added[(n, who)], added[(1, who)])]

    print(f"### N statements on raw_syscalls:sys_enter, ns added per getpid() (median of {args.rounds} "
          f"rounds, min-max; least CPU time of {args.loop_runs} loops of {args.iterations} calls; "
          f"each statement: `where id == 39 count`)\n")
    print(f"empty raw_tp hook (hand-written `rawtp_empty`): {fmt_stats(hook)} ns\n")
    rows = []
    for n in SHARED_COUNTS:
        s, sep, lb, repl = (added[(n, who)] for who in ("shared", "separate", "libbpf", "repl"))
        rows.append([str(n), fmt_stats(s), fmt_stats(sep), fmt_stats(lb), fmt_stats(repl), ratio(s, sep),
                     ratio(s, lb), ratio(repl, sep)])
    table(["statements", "sonde shared", "sonde separate", "libbpf one program", "repl chained",
           "shared / separate", "shared / libbpf", "repl / separate"], rows)
    print("### ns each statement past the first adds ((N) - (1)) / (N - 1), per round\n")
    rows = [[str(n)] + [fmt_stats(per_extra(who, n)) for who in ("shared", "separate", "libbpf", "repl")]
            for n in SHARED_COUNTS if n > 1]
    table(["statements", "sonde shared", "sonde separate", "libbpf one program", "repl chained"], rows)
    print(f"### {KEYED_COUNT} statements `where id == 39 count` and `where id == 39 count by comm` / "
          f"`by pid` (alternately) on raw_syscalls:sys_enter, ns added per getpid() (median of "
          f"{args.rounds} rounds, min-max)\n")
    print("ns added per getpid(): the loop's CPU time, traced minus untraced; ns in BPF per event: "
          "the programs' run_time_ns over their runs during the traced loop, as the kernel counts "
          "them (kernel.bpf_stats_enabled; every sys_enter on the machine, mostly the loop's "
          "getpid)\n")
    table(["statements", "lowering", "ns added per getpid()", "/ values per body", "ns in BPF per event",
           "/ values per body"],
          [[what, who, fmt_stats(v), ratio(v, keyed_added[(what, "values per body")]),
            fmt_stats(keyed_run.get((what, who), [])),
            ratio(keyed_run.get((what, who), []), keyed_run.get((what, "values per body"), []))]
           for (what, who), v in keyed_added.items()])


# --- syscall wildcards ---------------------------------------------------------------------

# (row, sonde program). getppid is selected by the first three and the fifth. The third
# stays per event: a kernel stack differs between the raw and the classic hook
# (compiler/lower/syscall_wildcard.h), so its ns include a stack walk.
WILDCARDS = [
    ("sys_enter_* (360)", "on tracepoint:syscalls:sys_enter_* count"),
    ("sys_enter_* where pid: 3 variants (360)", "on tracepoint:syscalls:sys_enter_* where pid != 0 count"),
    ("sys_enter_* by kstack, per event (360)", "on tracepoint:syscalls:sys_enter_* count by kstack"),
    ("sys_enter_[hijkp]* (49)", "on tracepoint:syscalls:sys_enter_[hijkp]* count"),
    ("sys_enter_getp* (6)", "on tracepoint:syscalls:sys_enter_getp* count"),
    ("sys_enter_getpid (1)", "on tracepoint:syscalls:sys_enter_getpid count"),
]


def links_of(pid):
    """The BPF links and perf event fds (classic tracepoints) process `pid` holds."""
    raw = perf = 0
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            if os.readlink(f"{fds}/{fd}") == "anon_inode:[perf_event]":
                perf += 1
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                raw += "link_type:\traw_tracepoint" in f.read()
        except OSError:
            pass
    return raw, perf


def wildcards(args):
    attach, attach_cold, detach, ns, links = {}, {}, {}, {}, {}
    for row, program in WILDCARDS:  # fill the compile cache
        sonde_run(args, program, env=cache_env(args)).stop()
    for r in range(args.rounds):
        log(f"wildcards: round {r + 1}/{args.rounds}")
        for row, program in WILDCARDS:
            t = sonde_run(args, program, ["--no-cache"])
            attach_cold.setdefault(row, []).append(t.ready_ms)
            t.stop()
            base = loop_ns(args, SYS_GETPPID)
            t = sonde_run(args, program, env=cache_env(args))
            attach.setdefault(row, []).append(t.ready_ms)
            links[row] = links_of(t.proc.pid)
            time.sleep(0.2)
            ns.setdefault(row, []).append(loop_ns(args, SYS_GETPPID) - base)
            start = time.perf_counter()
            t.stop()
            detach.setdefault(row, []).append((time.perf_counter() - start) * 1000)
    print(f"### syscall wildcards: attach, detach (ms) and ns added per getppid() (median of {args.rounds}, "
          "min-max)\n")
    print("attach: text -> attached with a warm compile cache (cold: --no-cache); detach: SIGINT -> exited; "
          "links: raw tracepoints + classic tracepoints (perf events) held.\n")
    rows = []
    for row, _ in WILDCARDS:
        raw, perf = links[row]
        rows.append([row, f"{raw} + {perf}", fmt_stats(attach[row]), fmt_stats(attach_cold[row]),
                     fmt_stats(detach[row]),
                     fmt_stats([a + d for a, d in zip(attach[row], detach[row])]), fmt_stats(ns[row])])
    table(["wildcard", "links", "attach", "attach cold", "detach", "attach + detach", "ns per getppid()"], rows)


# --- scrape ------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ns(pid):
    """Time the process's threads have spent on a CPU (scheduler accounting, in ns):
    unlike wall time, it does not count waiting for a CPU other processes hold."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def scrape_once(url, pid, gzip=False):
    """(wall ms, sonde's CPU ms, body) of one GET (with Accept-Encoding: gzip, the body
    as sent)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    cpu = cpu_ns(pid)
    start = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=60).read()
    wall = (time.perf_counter() - start) * 1000
    return wall, (cpu_ns(pid) - cpu) / 1e6, body


def scrape(args):
    """With --baseline, every case runs under both builds in each round, the baseline's
    rows labelled so: the before/after of a change, measured in one run."""
    builds = [("", args.sonde)]
    if args.baseline:
        builds.append(("baseline ", os.path.join(args.baseline, "sonde")))
    results = {}
    for r in range(args.rounds):
        log(f"scrape: round {r + 1}/{args.rounds}")
        for label, binary in (builds if r % 2 == 0 else builds[::-1]):
            scrape_round(args, binary, label, results)
    print(f"### scrape: GET /metrics, ms (median of {args.rounds} rounds; warm = median of {args.scrapes} "
          "scrapes after the first; CPU = on-CPU time of sonde's threads during a warm scrape)\n")
    rows = []
    for label, _ in builds:
        for kind in ("counter", "histogram"):
            previous = None
            for series in SCRAPE_SIZES:
                e = results[(label + kind, series)]
                warm = statistics.median(e["warm"])
                growth = f"{warm / previous:.1f}x" if previous else "-"
                previous = warm
                rows.append([label + kind, f"{series}", f"{e['shown']}", fmt_stats(e["first"]),
                             fmt_stats(e["warm"]), fmt_stats(e["cpu"]), f"{warm * 1e6 / series:.0f}", growth,
                             fmt_stats(e["gzip"]), f"{statistics.median(e['gzip_bytes']):.0f}",
                             fmt_stats(e["rss"])])
    table(["metric", "series", "sample lines", "first scrape", "warm scrape", "warm CPU", "ns per series",
           "growth (10x series)", "warm, gzip", "gzip bytes", "RSS MB"], rows)
    # The stages the build under test reports (SONDE_SCRAPE_STAGES=1); a baseline from
    # before they were measured reports none.
    stage_rows = []
    for label, _ in builds:
        for kind in ("counter", "histogram"):
            for series in SCRAPE_SIZES:
                e = results[(label + kind, series)]
                if not e["stages"]:
                    continue
                names = list(e["stages"][0])
                per_stage = {n: [round_stages[n] for round_stages in e["stages"]] for n in names}
                rows_of = [fmt_stats(per_stage[n], 2) for n in names]
                stage_rows.append([label + kind, f"{series}", *rows_of, fmt_stats(e["warm"], 2)])
    if stage_rows:
        print("### scrape stages, ms (median of the warm scrapes, then of the rounds; map_read: "
              "BPF_MAP_LOOKUP_BATCH; cpu_sum: keys matched to their series and per-CPU values "
              "summed; decode: keys looked up off their last position, decoded when new; series: "
              "the snapshot's series built; serialize: the exposition text; gzip and send: of "
              "one scrape with Accept-Encoding: gzip)\n")
        table(["metric", "series", *names, "warm scrape (wall)"], stage_rows)


def scrape_round(args, binary, label, results):
    for kind, (program, whence, per_key) in (("counter", SCRAPE_COUNTER), ("histogram", SCRAPE_HISTOGRAM)):
        for series in SCRAPE_SIZES:
            keys = series // per_key
            port = free_port()
            t = Tracer([binary, "run", "-e", program, "--listen", f"127.0.0.1:{port}", "--capacity",
                        str(keys + 1024)], r"attached \d+ probe",
                       {**cache_env(args), "SONDE_SCRAPE_STAGES": "1"})
            subprocess.run([os.path.join(args.helpers, "loadgen"), str(keys), *whence], check=True)
            url = f"http://127.0.0.1:{port}/metrics"
            first, _, body = scrape_once(url, t.proc.pid)
            first_stages = t.take_stages(2.0)
            name = program.split(" as ")[1]
            shown = sum(1 for line in body.split(b"\n") if line.startswith(name.encode()))
            warm, stages = [], []
            for _ in range(args.scrapes):
                warm.append(scrape_once(url, t.proc.pid)[:2])
                stages.append(t.take_stages() if first_stages else None)
            gzipped = []
            for _ in range(3):
                wall, _, compressed = scrape_once(url, t.proc.pid, gzip=True)
                gzipped.append((wall, len(compressed), t.take_stages() if first_stages else None))
            rss = t.rss_kib() / 1024
            t.stop()
            entry = results.setdefault((label + kind, series),
                                       {"first": [], "warm": [], "cpu": [], "rss": [], "shown": shown,
                                        "gzip": [], "gzip_bytes": [], "stages": []})
            entry["first"].append(first)
            entry["warm"].append(statistics.median(w[0] for w in warm))
            entry["cpu"].append(statistics.median(w[1] for w in warm))
            entry["rss"].append(rss)
            entry["gzip"].append(statistics.median(g[0] for g in gzipped))
            entry["gzip_bytes"].append(statistics.median(g[1] for g in gzipped))
            if first_stages and all(stages) and all(g[2] for g in gzipped):
                merged = {n: statistics.median(s[n] for s in stages) for n in first_stages}
                # gzip and send: those of the gzipped scrapes.
                for n in ("gzip", "send"):
                    merged[n] = statistics.median(g[2][n] for g in gzipped)
                entry["stages"].append(merged)


# --- micro-benchmarks of sonde's own code ---------------------------------------------

MICRO = [
    ("sonde_render_bench", []),
    ("sonde_decoder_bench", []),
    ("sonde_server_bench", []),
    ("sonde_bpf_load_bench", []),
    ("sonde_btf_startup_bench", []),
]


def micro(args):
    log("micro: sonde's own code (bench/micro)")
    print("### Micro-benchmarks (bench/micro)\n")
    for name, extra in MICRO:
        path = os.path.join(args.build, "bench", name)
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: build with the tests (scripts/build.sh)")
        out = subprocess.run([path, *extra], capture_output=True, text=True)
        print(f"`{name}`:\n```\n{out.stdout.rstrip()}\n```\n", flush=True)
        if out.returncode != 0:
            sys.exit(f"{name} failed: {out.stderr.strip()}")


# --- main --------------------------------------------------------------------------------

SECTIONS = {"startup": startup, "agent": agent, "overhead": overhead, "hooks": hooks, "shared": shared,
            "wildcards": wildcards, "scrape": scrape, "micro": micro}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="where sonde was built")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run: " + ",".join(SECTIONS))
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per figure")
    parser.add_argument("--iterations", type=int, default=200000, help="syscalls per loop run")
    parser.add_argument("--loop-runs", type=int, default=5, help="loop runs per measurement (the least counts)")
    parser.add_argument("--scrapes", type=int, default=7, help="warm scrapes per round")
    parser.add_argument("--baseline", help="another build of sonde the scrape section also runs, "
                        "interleaved (e.g. of the commit before a change)")
    parser.add_argument("--cpu", type=int, default=os.cpu_count() - 1, help="CPU the syscall loop is pinned to")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/run.py loads BPF programs: run it as root")
    args.sonde = os.path.join(args.build, "sonde")
    args.helpers = os.path.join(args.build, "bench")
    build_helpers(args.helpers)
    uname = os.uname()
    print(f"## sonde benchmarks: kernel {uname.release}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n\ncommand: `bench/run.py {' '.join(sys.argv[1:])}`\n", flush=True)
    for name in args.only.split(","):
        if name not in SECTIONS:
            sys.exit(f"unknown section '{name}'; sections: {', '.join(SECTIONS)}")
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
