#!/usr/bin/env python3
"""A reproducible mixed load for bench/node_cost.py, at fixed rates until SIGINT:
system calls, 4 KiB direct writes, pipe ping-pong (wakeups and context switches),
loopback TCP (new connections and request/response on them) and execs, some failing.
Prints one line saying what it runs, then runs it.

usage: bench/node_load.py --dir DIR      (DIR on a block device, for the writes)
"""
import argparse
import mmap
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import time

SYSCALLS = 20000  # getppid() per second
WRITES = 100  # 4 KiB O_DIRECT writes per second
PINGPONGS = 1000  # pipe round trips per second
REQUESTS = 500  # 1 KiB TCP request/response per second, a new connection every 10
EXECS = 5  # /bin/true per second, and one `sh -c 'exit 3'`


def paced(per_second, batch, work):
    """Calls work() `batch` times, per_second/batch times a second, until killed."""
    period = batch / per_second
    next_at = time.monotonic()
    while True:
        for _ in range(batch):
            work()
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))


def syscalls():
    paced(SYSCALLS, 1000, os.getppid)


def writes(directory):
    path = os.path.join(directory, "node-load-writes")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    os.unlink(path)
    buf = mmap.mmap(-1, 4096)  # page-aligned, as O_DIRECT needs
    buf.write(b"x" * 4096)
    n = [0]

    def one():
        os.pwrite(fd, buf, (n[0] % 256) * 4096)
        n[0] += 1

    paced(WRITES, 10, one)


def pingpong():
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    if os.fork() == 0:
        while True:
            os.read(a_r, 1)
            os.write(b_w, b"y")

    def one():
        os.write(a_w, b"x")
        os.read(b_r, 1)

    paced(PINGPONGS, 50, one)


def tcp():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port = server.getsockname()[1]
    if os.fork() == 0:
        while True:
            conn, _ = server.accept()
            if os.fork() == 0:
                while True:
                    data = conn.recv(1024)
                    if not data:
                        os._exit(0)
                    conn.sendall(data)
            conn.close()
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
    state = {"conn": None, "n": 0}
    payload = b"r" * 1024

    def one():
        if state["n"] % 10 == 0:
            if state["conn"]:
                state["conn"].close()
            state["conn"] = socket.create_connection(("127.0.0.1", port))
        state["n"] += 1
        c = state["conn"]
        c.sendall(payload)
        got = 0
        while got < len(payload):
            got += len(c.recv(len(payload) - got))

    paced(REQUESTS, 10, one)


def execs():
    def one():
        for _ in range(EXECS):
            subprocess.run(["/bin/true"])
        subprocess.run(["/bin/sh", "-c", "exit 3"])

    paced(1, 1, one)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    print(f"{SYSCALLS:,} getppid/s, {WRITES} direct 4 KiB writes/s, {PINGPONGS:,} pipe round "
          f"trips/s, {REQUESTS} loopback TCP request/responses/s (a new connection every 10), "
          f"{EXECS + 1} execs/s (1 failing)", flush=True)
    os.setpgrp()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    workers = [mp.Process(target=f, args=a) for f, a in
               [(syscalls, ()), (writes, (args.dir,)), (pingpong, ()), (tcp, ()), (execs, ())]]
    for w in workers:
        w.start()
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        os.killpg(0, signal.SIGKILL)


if __name__ == "__main__":
    main()
