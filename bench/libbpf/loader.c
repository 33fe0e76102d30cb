// Loads bench/libbpf/probes.bpf.o with only the named programs, attaches them,
// prints "attached N programs" on stderr, and waits for SIGINT or SIGTERM. On exit it
// prints what the programs counted (the bench checks counts are exact):
//   loader OBJECT PROGRAM...
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINKS 16

static int wanted(const char* name, int argc, char** argv) {
  for (int i = 2; i < argc; i++) {
    if (strcmp(name, argv[i]) == 0) return 1;
  }
  return 0;
}

// Sum of every CPU's u64 at `offset` of every value of map `name`.
static unsigned long long map_total(struct bpf_object* obj, const char* name, size_t offset) {
  struct bpf_map* map = bpf_object__find_map_by_name(obj, name);
  if (!map) return 0;
  int fd = bpf_map__fd(map);
  int cpus = libbpf_num_possible_cpus();
  size_t key_size = bpf_map__key_size(map);
  size_t stride = (bpf_map__value_size(map) + 7) / 8 * 8;
  unsigned char* values = calloc(cpus, stride);
  unsigned char key[64] = {0}, next[64];
  unsigned long long total = 0;
  void* prev = NULL;
  while (values && key_size <= sizeof key && bpf_map_get_next_key(fd, prev, next) == 0) {
    memcpy(key, next, key_size);
    prev = key;
    if (bpf_map_lookup_elem(fd, key, values) != 0) continue;
    for (int c = 0; c < cpus; c++) {
      unsigned long long v;
      memcpy(&v, values + c * stride + offset, sizeof v);
      total += v;
    }
  }
  free(values);
  return total;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OBJECT PROGRAM...\n", argv[0]);
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);

  struct bpf_object* obj = bpf_object__open_file(argv[1], NULL);
  if (!obj) {
    fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  struct bpf_program* prog;
  int selected = 0;
  bpf_object__for_each_program(prog, obj) {
    int on = wanted(bpf_program__name(prog), argc, argv);
    bpf_program__set_autoload(prog, on);
    selected += on;
  }
  if (selected != argc - 2) {
    fprintf(stderr, "unknown program among the arguments\n");
    return 1;
  }
  if (bpf_object__load(obj) != 0) {
    fprintf(stderr, "load: %s\n", strerror(errno));
    return 1;
  }
  struct bpf_link* links[MAX_LINKS];
  int n = 0;
  bpf_object__for_each_program(prog, obj) {
    if (!bpf_program__autoload(prog)) continue;
    if (n == MAX_LINKS) return 1;
    links[n] = bpf_program__attach(prog);
    if (!links[n]) {
      fprintf(stderr, "attach %s: %s\n", bpf_program__name(prog), strerror(errno));
      return 1;
    }
    n++;
  }
  fprintf(stderr, "attached %d programs\n", n);

  int sig;
  sigwait(&stop, &sig);
  for (int i = 0; i < n; i++) bpf_link__destroy(links[i]);
  printf("count=%llu pid=%llu comm=%llu hist=%llu\n", map_total(obj, "counter", 0),
         map_total(obj, "by_pid", 0), map_total(obj, "by_comm", 0), map_total(obj, "latency", 0));
  bpf_object__close(obj);
  return 0;
}
