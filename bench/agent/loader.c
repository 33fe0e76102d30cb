/* The floor for bundle -> attached: a hand-written libbpf loader of the same BPF object
 * the bundle holds. Opens the ELF, loads it (CO-RE against the running kernel's BTF),
 * attaches every program by its section name, says so, and waits for SIGINT/SIGTERM.
 * Built by bench/agent/bench.py, not by the main build:
 *   cc -O2 -o loader loader.c -lbpf
 * LOADER_DEBUG=1 shows libbpf's log. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level level, const char* format, va_list args) {
  (void)level;
  (void)format;
  (void)args;
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
    return 2;
  }
  if (!getenv("LOADER_DEBUG")) libbpf_set_print(quiet);
  struct bpf_object* object = bpf_object__open_file(argv[1], NULL);
  if (!object) {
    perror("open");
    return 1;
  }
  if (bpf_object__load(object)) {
    perror("load");
    return 1;
  }
  struct bpf_program* program;
  int attached = 0;
  bpf_object__for_each_program(program, object) {
    if (!bpf_program__attach(program)) {
      fprintf(stderr, "attach %s failed\n", bpf_program__name(program));
      return 1;
    }
    ++attached;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("attached %d programs\n", attached);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  /* Exiting closes every link and program fd: the kernel detaches. */
  bpf_object__close(object);
  return 0;
}
