#!/usr/bin/env python3
"""What sonde-agent with examples/node.sonde costs a node, beside libbpf-tools doing the
closest work, under one reproducible mixed load; and what a fleet of such nodes costs a
Prometheus, from the per-node figures measured here.

The load (bench/node_load.py, started here) runs at fixed rates: system calls, 4 KiB
direct writes, pipe ping-pong between two processes (wakeups and switches), loopback
TCP request/response, and execs of which some fail. Phases alternate within each round:
  - agent: sonde-agent on a bundle of examples/node.sonde (built here), scraped every
    --scrape seconds as Prometheus would;
  - tools: the libbpf-tools that run on this kernel and do part of the same work:
    biolatency -D, runqlat, syscount, exitsnoop -x, tcpstates (the others node.sonde
    replaces, oomkill, tcpconnlat, tcptop, tcpretrans, tcpdrop, need kprobes or fentry,
    which this kernel does not have).
For each phase: CPU time in BPF programs (the kernel's run_time_ns of each program, read
from /proc/PID/fdinfo with kernel.bpf_stats_enabled on), in the processes' own threads
(/proc/PID/task/*/schedstat, in ns), split for the agent into scrapes and the time
between them, and resident memory. All as % of one core over the phase. Then, from the
agent's last scrape: series and bytes per scrape (plain and gzip), and a fleet of 1,000
and 10,000 nodes at that scrape interval.

usage: bench/node_cost.py [--rounds N] [--seconds S] [--scrape S] [--build DIR]  (as root)
"""
import argparse
import gzip
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from run import program_stats  # bench/run.py: the kernel's run counts from fdinfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = [
    ["/usr/sbin/biolatency", "-D"],
    ["/usr/sbin/runqlat"],
    ["/usr/sbin/syscount"],
    ["/usr/sbin/exitsnoop", "-x"],
    ["/usr/sbin/tcpstates"],
]


def cpu_ns(pid):
    """On-CPU time of every thread of `pid` so far, in ns (0 once it is gone)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError):
                pass
    except OSError:
        pass
    return total


def bpf_ns(pid):
    """run_time_ns and run_cnt summed over the BPF programs `pid` holds."""
    stats = program_stats(pid)
    return sum(ns for ns, _ in stats), sum(runs for _, runs in stats)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_for_output(p, text, seconds):
    deadline = time.monotonic() + seconds
    seen = b""
    os.set_blocking(p.stdout.fileno(), False)
    while text.encode() not in seen:
        if time.monotonic() > deadline or p.poll() is not None:
            raise SystemExit(f"{p.args[0]} never printed '{text}': {seen.decode(errors='replace')}")
        chunk = p.stdout.read()
        if chunk:
            seen += chunk
        else:
            time.sleep(0.05)


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        for _ in range(10):
            try:
                p.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGINT)  # libbpf-tools see it after their sleep
        else:
            p.kill()
            p.wait()


def scrape(port, gz=False):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if gz:
        req.add_header("Accept-Encoding", "gzip")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def agent_phase(agent, bundle, port, seconds, every):
    p = subprocess.Popen([agent, bundle, "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_output(p, "serving", 30)
    scrape(port)  # the first scrape decodes every key once; steady state is what counts
    cpu0, (bpf0, runs0), t0 = cpu_ns(p.pid), bpf_ns(p.pid), time.monotonic()
    in_scrapes = 0
    text = b""
    while time.monotonic() - t0 < seconds:
        time.sleep(max(0.0, min(every, seconds - (time.monotonic() - t0))))
        before = cpu_ns(p.pid)
        text = scrape(port)
        in_scrapes += cpu_ns(p.pid) - before
    elapsed = time.monotonic() - t0
    cpu1, (bpf1, runs1) = cpu_ns(p.pid), bpf_ns(p.pid)
    zipped = scrape(port, gz=True)
    before = cpu_ns(p.pid)
    scrape(port)
    one_scrape = cpu_ns(p.pid) - before
    rss = rss_kib(p.pid)
    stop([p])
    scrapes = max(1, round(seconds / every))
    return {
        "elapsed": elapsed, "bpf_ns": bpf1 - bpf0, "runs": runs1 - runs0,
        "user_ns": cpu1 - cpu0, "scrape_ns": in_scrapes, "between_ns": cpu1 - cpu0 - in_scrapes,
        "scrapes": scrapes, "one_scrape_ns": one_scrape, "rss": rss, "text": text,
        "gzip_bytes": len(zipped),
    }


def tools_phase(seconds):
    procs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for argv in TOOLS if os.path.exists(argv[0])]
    time.sleep(3)  # attached: each prints its banner within a second here
    alive = [p for p in procs if p.poll() is None]
    cpu0 = sum(cpu_ns(p.pid) for p in alive)
    bpf0 = [bpf_ns(p.pid) for p in alive]
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    cpu1 = sum(cpu_ns(p.pid) for p in alive)
    bpf1 = [bpf_ns(p.pid) for p in alive]
    rss = sum(rss_kib(p.pid) for p in alive)
    stop(procs)
    return {
        "elapsed": elapsed, "bpf_ns": sum(b[0] - a[0] for a, b in zip(bpf0, bpf1)),
        "runs": sum(b[1] - a[1] for a, b in zip(bpf0, bpf1)), "user_ns": cpu1 - cpu0,
        "rss": rss, "names": [os.path.basename(p.args[0]) for p in alive],
    }


def pct(ns, seconds):
    return 100.0 * ns / (seconds * 1e9)


def series_of(text):
    own = other = 0
    for line in text.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith(("sonde_program", "sonde_map", "sonde_span", "sonde_build",
                            "sonde_decoder", "sonde_series", "sonde_events", "process_",
                            "sonde_scrape", "sonde_probe")):
            own += 1
        else:
            other += 1
    return other, own


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--scrape", type=float, default=15)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--port", type=int, default=19435)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("node_cost.py loads BPF programs: run it as root")
    sonde = os.path.join(args.build, "sonde")
    agent = os.path.join(args.build, "sonde-agent")
    tmp = tempfile.mkdtemp(prefix="sonde-node-cost-")
    bundle = os.path.join(tmp, "node.bundle")
    subprocess.run([sonde, "build", os.path.join(ROOT, "examples/node.sonde"), "-o", bundle],
                   check=True)
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        stats_before = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    load = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/node_load.py"),
                             "--dir", tmp], stdout=subprocess.PIPE)
    rate_line = load.stdout.readline().decode().strip()  # what it runs, once started
    results = {"agent": [], "tools": []}
    try:
        time.sleep(3)
        for r in range(args.rounds):
            order = ["agent", "tools"] if r % 2 == 0 else ["tools", "agent"]
            for phase in order:
                if phase == "agent":
                    results["agent"].append(
                        agent_phase(agent, bundle, args.port, args.seconds, args.scrape))
                else:
                    results["tools"].append(tools_phase(args.seconds))
                print(f"round {r + 1}: {phase} done", file=sys.stderr)
    finally:
        load.send_signal(signal.SIGINT)
        load.wait()
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(stats_before)

    med = lambda xs: statistics.median(xs)
    a, t = results["agent"], results["tools"]
    print(f"load: {rate_line}")
    print(f"{args.rounds} rounds of {args.seconds:.0f} s per phase, agent scraped every "
          f"{args.scrape:.0f} s; medians (min-max)")
    print()
    print("| | in BPF programs | program runs/s | ns/run | own threads | of which scrapes | "
          "between scrapes | RSS |")
    print("|---|---|---|---|---|---|---|---|")

    def row(name, rs, agent_row):
        bpf = [pct(x["bpf_ns"], x["elapsed"]) for x in rs]
        runs = [x["runs"] / x["elapsed"] for x in rs]
        per = [x["bpf_ns"] / max(1, x["runs"]) for x in rs]
        user = [pct(x["user_ns"], x["elapsed"]) for x in rs]
        rss = [x["rss"] / 1024 for x in rs]
        if agent_row:
            sc = [pct(x["scrape_ns"], x["elapsed"]) for x in rs]
            bt = [pct(x["between_ns"], x["elapsed"]) for x in rs]
            extra = f"{med(sc):.3f}% | {med(bt):.3f}% ({min(bt):.3f}-{max(bt):.3f})"
        else:
            extra = "- | -"
        print(f"| {name} | {med(bpf):.2f}% ({min(bpf):.2f}-{max(bpf):.2f}) | {med(runs):,.0f} | "
              f"{med(per):.0f} | {med(user):.3f}% ({min(user):.3f}-{max(user):.3f}) | {extra} | "
              f"{med(rss):.1f} MB |")

    row("sonde-agent, examples/node.sonde", a, True)
    row("libbpf-tools: " + ", ".join(t[0]["names"]), t, False)
    print()
    series, own = series_of(a[-1]["text"])
    plain = len(a[-1]["text"])
    gz = a[-1]["gzip_bytes"]
    scrape_ms = med([x["one_scrape_ns"] for x in a]) / 1e6
    print(f"per node (last agent phase): {series} series of node.sonde + {own} of sonde's own; "
          f"a scrape is {plain:,} bytes ({gz:,} gzipped) and {scrape_ms:.2f} ms of the agent's CPU")
    print()
    print("| nodes | series | samples/s | scrape bytes/s plain | gzipped | agents' scrape CPU |")
    print("|---|---|---|---|---|---|")
    for n in (1000, 10000):
        total = n * (series + own)
        print(f"| {n:,} | {total:,} | {total / args.scrape:,.0f} | {n * plain / args.scrape / 1e6:.1f} MB/s | "
              f"{n * gz / args.scrape / 1e6:.2f} MB/s | {n * scrape_ms / 1000 / args.scrape:.2f} cores |")


if __name__ == "__main__":
    main()
