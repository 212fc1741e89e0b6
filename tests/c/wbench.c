/*
 * wbench: the work measured by bench/wasi.bench.ts, timed inside the program so that
 * MACROHARD and node:wasi are measured alike. Prints the elapsed milliseconds.
 *   wbench hash MIB          FNV-1a over MIB MiB of memory (CPU only): a 16 MiB buffer hashed
 *                            MIB/16 times over, as node:wasi (Node 20) crashes on exit once a
 *                            module's memory reaches 64 MiB
 *   wbench writes N PATH     N writes of 16 bytes to a new file
 *   wbench mkfiles N DIR     creates N empty files in DIR (setup, untimed by the benchmark)
 *   wbench stat N DIR        stats the N files
 *   wbench statone N PATH    stats one file N times
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[2]);
  double t0 = now();
  if (!strcmp(argv[1], "hash")) {
    size_t len = (size_t)16 << 20;
    uint8_t *buf = malloc(len);
    if (!buf) return 1;
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 2654435761u >> 13);
    t0 = now();
    uint64_t h = 1469598103934665603ull;
    for (long pass = 0; pass < n / 16; pass++)
      for (size_t i = 0; i < len; i++) h = (h ^ buf[i]) * 1099511628211ull;
    double ms = now() - t0;
    printf("%.3f %llx\n", ms, (unsigned long long)h);
    return 0;
  }
  if (!strcmp(argv[1], "writes")) {
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 1;
    for (long i = 0; i < n; i++)
      if (write(fd, "0123456789abcde\n", 16) != 16) return 1;
    close(fd);
    double ms = now() - t0;
    unlink(argv[3]);
    printf("%.3f\n", ms);
    return 0;
  }
  if (!strcmp(argv[1], "statone")) {
    struct stat st;
    for (long i = 0; i < n; i++)
      if (stat(argv[3], &st) != 0) return 1;
    printf("%.3f\n", now() - t0);
    return 0;
  }
  if (!strcmp(argv[1], "mkfiles") || !strcmp(argv[1], "stat")) {
    int make = argv[1][0] == 'm';
    char path[512];
    if (make) mkdir(argv[3], 0755);
    long found = 0;
    for (long i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/f%05ld", argv[3], i);
      if (make) {
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) return 1;
        close(fd);
      } else {
        struct stat st;
        if (stat(path, &st) == 0) found++;
      }
    }
    double ms = now() - t0;
    if (!make && found != n) return 1;
    printf("%.3f\n", ms);
    return 0;
  }
  return 2;
}
