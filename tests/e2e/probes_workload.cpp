// The workload of probes_test: known calls to known functions, for uprobes,
// uretprobes, USDT probes, user stacks and syscall counts. Built at -O0 without
// inlining and with frame pointers, so every call is a real call and stacks unwind.
//
//   probes_workload MODE N [PORT] [--hold]
//     add      N calls of sonde_probed_add(i, 1)
//     value    N calls of sonde_probed_value(i), returning 1, 10, 100, 1000, 1, ...
//     stack    N calls of sonde_outer() -> sonde_middle() -> sonde_leaf()
//     callback N calls of sonde_call(sonde_leaf): a function pointer as argument
//     usdt     N passes over the USDT probe sonde:tick, with argument i
//     getpid   N getpid system calls
//     eisdir   N opens of /tmp for writing, each failing with EISDIR
//     connect  N TCP connections to 127.0.0.1:PORT
//     signed   N calls of sonde_probed_signed(i), returning -(i + 1) as an int
//     eagain   N non-blocking receives on an empty socket pair (each -EAGAIN), then one
//              receive of the 5 bytes "hello"
//     send     one TCP connection to 127.0.0.1:PORT sending N bytes
//     sleep    N nanosleeps of 100 us
//     badpath  N openat calls whose path pointer points nowhere (each fails with EFAULT)
// Prints "done" when finished; with --hold it then waits for a signal, so that its
// memory maps stay readable while user symbols are decoded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tests/unit/bpf/usdt_probe.h"

extern "C" {

__attribute__((noinline)) int sonde_probed_add(int a, int b) { return a + b; }

__attribute__((noinline)) long sonde_probed_value(long i) {
  static const long kValues[] = {1, 10, 100, 1000};
  return kValues[i % 4];
}

__attribute__((noinline)) int sonde_probed_signed(int i) { return -(i + 1); }

__attribute__((noinline)) void sonde_leaf() { __asm__ __volatile__(""); }
__attribute__((noinline)) void sonde_middle() { sonde_leaf(); }
__attribute__((noinline)) void sonde_outer() { sonde_middle(); }
__attribute__((noinline)) void sonde_call(void (*fn)()) { fn(); }

__attribute__((noinline)) void sonde_usdt_tick(long i) { SONDE_TEST_USDT1(sonde, tick, i); }

}  // extern "C"

namespace {

bool connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

bool receive_eagain(long n) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) return false;
  char buffer[16];
  for (long i = 0; i < n; ++i) {
    if (recv(fds[0], buffer, sizeof buffer, 0) != -1 || errno != EAGAIN) return false;
  }
  bool ok = send(fds[1], "hello", 5, 0) == 5 && recv(fds[0], buffer, sizeof buffer, 0) == 5;
  close(fds[0]);
  close(fds[1]);
  return ok;
}

bool send_loopback(int port, long bytes) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  static char chunk[4096];
  long left = bytes;
  while (left > 0) {
    ssize_t n = send(fd, chunk, static_cast<size_t>(left < 4096 ? left : 4096), 0);
    if (n <= 0) return false;
    left -= n;
  }
  close(fd);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: probes_workload MODE N [PORT] [--hold]\n");
    return 2;
  }
  const char* mode = argv[1];
  long n = std::atol(argv[2]);
  bool hold = std::strcmp(argv[argc - 1], "--hold") == 0;
  if (std::strcmp(mode, "add") == 0) {
    for (long i = 0; i < n; ++i) sonde_probed_add(static_cast<int>(i), 1);
  } else if (std::strcmp(mode, "value") == 0) {
    for (long i = 0; i < n; ++i) sonde_probed_value(i);
  } else if (std::strcmp(mode, "stack") == 0) {
    for (long i = 0; i < n; ++i) sonde_outer();
  } else if (std::strcmp(mode, "callback") == 0) {
    for (long i = 0; i < n; ++i) sonde_call(sonde_leaf);
  } else if (std::strcmp(mode, "eisdir") == 0) {
    for (long i = 0; i < n; ++i) {
      if (open("/tmp", O_WRONLY | O_CLOEXEC) >= 0) return 1;
    }
  } else if (std::strcmp(mode, "usdt") == 0) {
    for (long i = 0; i < n; ++i) sonde_usdt_tick(i);
  } else if (std::strcmp(mode, "getpid") == 0) {
    for (long i = 0; i < n; ++i) syscall(SYS_getpid);
  } else if (std::strcmp(mode, "connect") == 0) {
    int port = argc > 3 ? std::atoi(argv[3]) : 0;
    if (port <= 0) return 2;
    for (long i = 0; i < n; ++i) {
      if (!connect_loopback(port)) {
        std::perror("connect");
        return 1;
      }
    }
  } else if (std::strcmp(mode, "signed") == 0) {
    for (long i = 0; i < n; ++i) sonde_probed_signed(static_cast<int>(i));
  } else if (std::strcmp(mode, "eagain") == 0) {
    if (!receive_eagain(n)) return 1;
  } else if (std::strcmp(mode, "send") == 0) {
    int port = argc > 3 ? std::atoi(argv[3]) : 0;
    if (port <= 0 || !send_loopback(port, n)) return 1;
  } else if (std::strcmp(mode, "badpath") == 0) {
    for (long i = 0; i < n; ++i) {
      if (syscall(SYS_openat, AT_FDCWD, reinterpret_cast<const char*>(8), O_RDONLY) != -1) return 1;
    }
  } else if (std::strcmp(mode, "sleep") == 0) {
    timespec ts{0, 100'000};
    for (long i = 0; i < n; ++i) syscall(SYS_nanosleep, &ts, nullptr);
  } else {
    std::fprintf(stderr, "probes_workload: unknown mode '%s'\n", mode);
    return 2;
  }
  std::printf("done\n");
  std::fflush(stdout);
  if (hold) pause();
  return 0;
}
