#!/usr/bin/env python3
"""Bundle -> attached: time and memory of sonde-agent beside libbpf-tools and libbpf.

For the same measurement (block I/O latency, run-queue latency), starts in turn:
  - sonde-agent on a bundle built by `sonde build`,
  - libbpf-tools' precompiled CO-RE tool (/usr/sbin/biolatency, /usr/sbin/runqlat),
  - a hand-written libbpf loader (loader.c, built here) of the very BPF object the
    bundle holds: the floor for loading and attaching that object,
and times each from exec to its ready line, read through a pseudo-terminal (to a pipe,
libbpf-tools buffer it). Memory is the peak resident set (VmHWM) at that moment:
libbpf frees the kernel BTF it parsed once loading is done, so the current RSS then
says little. Runs are interleaved (each round starts every case once, in a rotated
order) and the medians are reported, with the ratio to the libbpf-tools peer. The
agent's RSS after its first /metrics scrape (symbol tables loaded) is shown too.

usage: bench/agent/bench.py [--runs N] [--build DIR]      (as root)
"""
import argparse
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROGRAMS = {
    "block": "histogram log2 latency of block rq\n",
    "runq": "histogram log2 latency of sched runq\n",
    "node": open(os.path.join(ROOT, "examples/node.sonde")).read(),  # six statements, no peer
}
PEERS = {
    "block": ("biolatency", ["/usr/sbin/biolatency"], "Tracing block device I/O"),
    "runq": ("runqlat", ["/usr/sbin/runqlat"], "Tracing run queue latency"),
}


def extract_object(bundle, out):
    """The BPF object of program 0, found through the chunks (docs/bundle-format.md)."""
    data = open(bundle, "rb").read()
    offset = 32
    for _ in range(struct.unpack_from("<I", data, 24)[0]):
        kind, program, size = struct.unpack_from("<4sIQ", data, offset)
        if kind == b"BPFO" and program == 0:
            with open(out, "wb") as f:
                f.write(data[offset + 16 : offset + 16 + size])
            return
        offset += 16 + (size + 7) // 8 * 8
    sys.exit(f"{bundle}: no BPF object")


def kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def read_until(fd, text, deadline):
    seen = b""
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return None
        if not chunk:
            return None
        seen += chunk
    return seen


def drain(fd, seconds):
    while select.select([fd], [], [], seconds)[0]:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def run_once(argv, ready, scrape=False):
    """(ms to the ready line, peak RSS KiB at ready, peak RSS KiB after one scrape)."""
    master, slave = pty.openpty()
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    seen = read_until(master, ready.encode(), start + 20)
    elapsed = (time.monotonic() - start) * 1000
    if seen is None:
        p.kill()
        p.wait()
        sys.exit(f"{argv[0]} never printed '{ready}'")
    hwm = kib(p.pid, "VmHWM")
    after_scrape = None
    if scrape:
        port = seen.decode(errors="replace").split("http://127.0.0.1:")[1].split("/")[0]
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        after_scrape = kib(p.pid, "VmHWM")
    stop(p, master)
    return elapsed, hwm, after_scrape


def stop(p, master):
    """SIGINT, again if it was lost: libbpf-tools check their exit flag only after a
    sleep(), so a SIGINT that comes before the sleep starts is only seen at the next."""
    for _ in range(5):
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        drain(master, 2)
        try:
            code = p.wait(timeout=2)
            break
        except subprocess.TimeoutExpired:
            continue
    else:
        p.kill()
        sys.exit(f"{p.args[0]} does not stop on SIGINT")
    os.close(master)
    if code != 0:
        sys.exit(f"{p.args[0]} exited with {code}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    sonde = os.path.join(args.build, "sonde")
    agent = os.path.join(args.build, "sonde-agent")

    with tempfile.TemporaryDirectory(prefix="sonde-bench-agent-") as tmp:
        loader = os.path.join(tmp, "loader")
        subprocess.run(["cc", "-O2", "-o", loader, os.path.join(ROOT, "bench/agent/loader.c"), "-lbpf"], check=True)
        cases = []
        for name, program in PROGRAMS.items():
            source = os.path.join(tmp, name + ".sonde")
            with open(source, "w") as f:
                f.write(program)
            bundle = os.path.join(tmp, name + ".bundle")
            subprocess.run([sonde, "build", source, "-o", bundle], check=True, stderr=subprocess.DEVNULL)
            obj = os.path.join(tmp, name + ".bpf.o")
            extract_object(bundle, obj)
            cases.append((name, "sonde-agent", [agent, bundle, "--listen", "127.0.0.1:0"], "serving", True))
            if name in PEERS:
                peer, argv, ready = PEERS[name]
                cases.append((name, peer, argv, ready, False))
            cases.append((name, "libbpf loader", [loader, obj], "attached", False))

        results = {(c[0], c[1]): [] for c in cases}
        run_once(*cases[0][2:])  # warm the page cache
        for r in range(args.runs):
            rotated = cases[r % len(cases) :] + cases[: r % len(cases)]
            for name, who, argv, ready, scrape in rotated:
                results[(name, who)].append(run_once(argv, ready, scrape))

    load = open("/proc/loadavg").read().split()[0]
    print(f"bundle -> attached, medians of {args.runs} interleaved runs "
          f"(kernel {os.uname().release}, {os.cpu_count()} CPUs, load average {load})")
    print(f"{'probe':6} {'program':14} {'ms':>7} {'peak RSS MB':>12} {'after scrape':>13} {'ms ratio':>9} {'RSS ratio':>10}")
    for name in PROGRAMS:
        peer = PEERS[name][0] if name in PEERS else None
        base_ms = base_kib = None
        if peer:
            base_ms = statistics.median(x[0] for x in results[(name, peer)])
            base_kib = statistics.median(x[1] for x in results[(name, peer)])
        for who in ("sonde-agent", peer, "libbpf loader"):
            if who is None:
                continue
            runs = results[(name, who)]
            ms = statistics.median(x[0] for x in runs)
            rss = statistics.median(x[1] for x in runs)
            scraped = [x[2] for x in runs if x[2] is not None]
            after = f"{statistics.median(scraped) / 1024:.1f}" if scraped else "-"
            ms_ratio = f"{ms / base_ms:.2f}" if base_ms else "-"
            rss_ratio = f"{rss / base_kib:.2f}" if base_kib else "-"
            print(f"{name:6} {who:14} {ms:7.1f} {rss / 1024:12.1f} {after:>13} {ms_ratio:>9} {rss_ratio:>10}")

if __name__ == "__main__":
    main()
