/*
 * sockbench: bulk TCP with plain BSD sockets, for `macrohard bench csock`.
 *   sockbench sink PORT             accepts one connection and reads it to the end; prints
 *                                   "BYTES MS", timed from the first byte to the end of stream
 *   sockbench send HOST PORT BYTES  connects (retrying while refused) and sends BYTES
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
static char buf[CHUNK];

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int sink(int port) {
  struct sockaddr_in a;
  int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) return perror("listen"), 1;
  int c = accept(l, NULL, NULL);
  if (c < 0) return perror("accept"), 1;
  long long total = 0;
  double t0 = 0;
  for (;;) {
    ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n < 0) return perror("recv"), 1;
    if (n == 0) break;
    if (total == 0) t0 = now_ms();
    total += n;
  }
  printf("%lld %.1f\n", total, now_ms() - t0);
  close(c);
  close(l);
  return 0;
}

static int send_bytes(const char *host, int port, long long bytes) {
  struct sockaddr_in a;
  int fd = -1;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return 64;
  for (int tries = 0; tries < 400; tries++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) break;
    close(fd);
    fd = -1;
    if (errno != ECONNREFUSED) break;
    struct timespec ts = {0, 25 * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (fd < 0) return perror("connect"), 1;
  memset(buf, 7, sizeof buf);
  while (bytes > 0) {
    ssize_t n = send(fd, buf, bytes < CHUNK ? (size_t)bytes : CHUNK, 0);
    if (n < 0) return perror("send"), 1;
    bytes -= n;
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "sink")) return sink(atoi(argv[2]));
  if (argc == 5 && !strcmp(argv[1], "send")) return send_bytes(argv[2], atoi(argv[3]), atoll(argv[4]));
  fprintf(stderr, "usage: sockbench sink PORT | send HOST PORT BYTES\n");
  return 64;
}
