// Fills sonde's maps for the scrape benchmark through a tracepoint whose arguments
// we choose: lseek(fd, offset, whence) on /dev/null with an invalid `whence`, so the
// call fails at once and nothing else on the machine makes it.
//   loadgen KEYS WHENCE...
// calls lseek(fd, k, w) for every key k < KEYS and every w given: the bench's
// programs key on `offset` and filter (count) or observe (histogram) `whence`.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s KEYS WHENCE...\n", argv[0]);
    return 2;
  }
  long keys = atol(argv[1]);
  int fd = open("/dev/null", O_RDONLY);
  if (fd < 0) {
    perror("/dev/null");
    return 1;
  }
  for (long k = 0; k < keys; k++) {
    for (int w = 2; w < argc; w++) lseek(fd, (off_t)k, atoi(argv[w]));
  }
  close(fd);
  return 0;
}
