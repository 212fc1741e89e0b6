/*
 * poll: waiting as C programs do: poll() on pipes with a timeout, readiness once data is
 * written, sleeps measured against the monotonic clock, and clock sanity.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __wasi__
#include <macrohard.h>
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void) {
  int p[2];
  if (pipe(p) < 0) return 1;
  struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  int n = poll(fds, 1, 0);
  printf("empty pipe, no wait: %d ready\n", n);
  double t0 = now();
  n = poll(fds, 1, 60);
  double waited = now() - t0;
  printf("empty pipe, 60 ms: %d ready, waited enough %d\n", n, waited >= 55 && waited < 10000);
  n = poll(fds + 1, 1, 1000);
  printf("write end: %d ready, POLLOUT %d\n", n, (fds[1].revents & POLLOUT) != 0);
  write(p[1], "hi", 2);
  n = poll(fds, 1, 1000);
  printf("after write: %d ready, POLLIN %d\n", n, (fds[0].revents & POLLIN) != 0);
  char buf[4];
  printf("read %zd\n", read(p[0], buf, sizeof buf));
  t0 = now();
  usleep(30000);
  waited = now() - t0;
  printf("usleep 30 ms: waited enough %d\n", waited >= 28 && waited < 10000);
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  printf("realtime after 2020: %d\n", rt.tv_sec > 1577836800);
  double a = now(), b = now();
  printf("monotonic does not go back: %d\n", b >= a);
  return 0;
}
