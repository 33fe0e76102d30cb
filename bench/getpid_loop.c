// The per-event workload: a tight loop of one syscall on one pinned CPU.
//   getpid_loop ITERATIONS [CPU [SYSCALL_NR]]
// Prints the mean cost of one call in ns twice: by the wall clock, and by this
// thread's CPU time, which leaves out the time other processes held the CPU (the bench
// uses that one: the machine is shared). Calls the syscall directly, so no libc caching
// can hide it.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char** argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 1000000;
  int cpu = argc > 2 ? atoi(argv[2]) : -1;
  long nr = argc > 3 ? atol(argv[3]) : SYS_getpid;
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
  }
  for (long i = 0; i < iterations / 10; i++) syscall(nr);  // warm up
  double wall = now_ns(CLOCK_MONOTONIC), cpu_time = now_ns(CLOCK_THREAD_CPUTIME_ID);
  for (long i = 0; i < iterations; i++) syscall(nr);
  wall = now_ns(CLOCK_MONOTONIC) - wall;
  cpu_time = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_time;
  printf("%.1f %.1f\n", wall / (double)iterations, cpu_time / (double)iterations);
  return 0;
}
