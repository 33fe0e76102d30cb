// How long loading the compiler plugin takes: dlopen() of the path given, timed.
//   plugin_load build/libsonde-cc.so
// Under `valgrind --tool=callgrind` it counts the loader's instructions (valgrind 3.19
// cannot read the plugin's DWARF 5: give it a copy made with `strip --strip-debug`);
// under `/usr/bin/time -f "%R %M"` its page faults and peak RSS.
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
    return 2;
  }
  double start = now_ms();
  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  double took = now_ms() - start;
  if (!handle) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  printf("%.2f ms\n", took);
  return 0;
}
