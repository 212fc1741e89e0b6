/*
 * What event-loop software asks of sockets and pipes beyond plain reads and writes: a
 * non-blocking connect that completes through select or poll with SO_ERROR giving the result,
 * MSG_PEEK on TCP and UDP, MSG_DONTWAIT, FIONREAD and FIONBIO, SO_RCVBUF/SO_SNDBUF,
 * O_NONBLOCK through F_GETFL/F_SETFL on sockets and pipes, and accept4's flags. One process
 * on the loopback, listener and clients together; the transcript is the same natively. Values
 * that differ by design (Linux doubles the buffer sizes it is given) are on stderr.
 *
 *   socknb PORT CLOSED_PORT UDP_PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static const char *ename(int e) {
  switch (e) {
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EALREADY: return "EALREADY";
    case EISCONN: return "EISCONN";
    default: return strerror(e);
  }
}

static void check(const char *what, int ok) {
  if (!ok) {
    printf("%s failed: %s\n", what, ename(errno));
    exit(1);
  }
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

static int sockerr(int fd) {
  int v = -1;
  socklen_t len = sizeof v;
  check("getsockopt SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
  return v;
}

static int bufsize(int fd, int opt) {
  int v = 0;
  socklen_t len = sizeof v;
  check("getsockopt buffer size", getsockopt(fd, SOL_SOCKET, opt, &v, &len) == 0);
  return v;
}

static int fionread(int fd) {
  int n = -1;
  check("ioctl FIONREAD", ioctl(fd, FIONREAD, &n) == 0);
  return n;
}

/* A peek scattered over two buffers: WASI's own sock_recv with RECV_PEEK, recvmsg natively. */
static const char *peek2(int fd) {
  static char out[32];
  char a[3], b[4];
  long n;
#ifdef __wasi__
  __wasi_iovec_t iov[2] = {{(uint8_t *)a, sizeof a}, {(uint8_t *)b, sizeof b}};
  __wasi_size_t got;
  __wasi_roflags_t ro;
  __wasi_errno_t e = __wasi_sock_recv(fd, iov, 2, __WASI_RIFLAGS_RECV_PEEK, &got, &ro);
  if (e != 0) return ename(e);
  n = (long)got;
#else
  struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  n = recvmsg(fd, &m, MSG_PEEK);
  if (n < 0) return ename(errno);
#endif
  snprintf(out, sizeof out, "%ld '%.3s%.4s'", n, a, b);
  return out;
}

/* The first connect of a non-blocking socket, printed the same wherever it ended at once. */
static void started(int fd, struct sockaddr_in *to) {
  int r = connect(fd, (struct sockaddr *)to, sizeof *to);
  fprintf(stderr, "connect: %s\n", r == 0 ? "0" : ename(errno));
  printf("non-blocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "in progress (or done)" : ename(errno));
}

static void tcp(int port, int closed) {
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in at = loopback(port);
  check("socket", l >= 0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  check("bind", bind(l, (struct sockaddr *)&at, sizeof at) == 0);
  check("listen", listen(l, 4) == 0);

  int c = socket(AF_INET, SOCK_STREAM, 0);
  printf("a new socket is non-blocking: %d\n", nonblocking(c));
  check("F_SETFL", fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK) == 0);
  printf("after F_SETFL O_NONBLOCK: %d\n", nonblocking(c));
  /* Asked for before connecting: in force once connected. */
  int snd = 48 * 1024;
  check("setsockopt SO_SNDBUF", setsockopt(c, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd) == 0);
  started(c, &at);
  fd_set w;
  FD_ZERO(&w);
  FD_SET(c, &w);
  struct timeval tv = {5, 0};
  printf("select says writable: %d\n", select(c + 1, NULL, &w, NULL, &tv) == 1 && FD_ISSET(c, &w));
  /* Asking connect again, as some event loops do instead of SO_ERROR: 0 once, then EISCONN. */
  int again = connect(c, (struct sockaddr *)&at, sizeof at);
  printf("connect again once writable: %s\n", again == 0 ? "0" : ename(errno));
  again = connect(c, (struct sockaddr *)&at, sizeof at);
  printf("and again: %s\n", again == 0 ? "0" : ename(errno));
  printf("SO_ERROR: %d\n", sockerr(c));
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  printf("getpeername names the listener: %d\n", getpeername(c, (struct sockaddr *)&peer, &plen) == 0 && ntohs(peer.sin_port) == port);
  int s = accept(l, NULL, NULL);
  check("accept", s >= 0);

  char buf[64];
  memset(buf, 0, sizeof buf);
  printf("recv MSG_DONTWAIT before anything was sent: %s\n", recv(c, buf, sizeof buf, MSG_DONTWAIT) < 0 ? ename(errno) : "data");
  printf("FIONREAD before anything was sent: %d\n", fionread(c));
  check("send", send(s, "hello world", 11, 0) == 11);
  /* Back to blocking with FIONBIO: MSG_PEEK then waits for the data like a read. */
  int off = 0;
  check("FIONBIO", ioctl(c, FIONBIO, &off) == 0);
  printf("after FIONBIO 0, non-blocking: %d\n", nonblocking(c));
  ssize_t n = recv(c, buf, 5, MSG_PEEK);
  printf("recv MSG_PEEK 5: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  printf("FIONREAD: %d\n", fionread(c));
  n = recv(c, buf, 3, MSG_PEEK | MSG_DONTWAIT);
  printf("recv MSG_PEEK|MSG_DONTWAIT 3: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  printf("peek through two buffers: %s\n", peek2(c));
  n = recv(c, buf, sizeof buf, 0);
  printf("recv: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  printf("recv MSG_DONTWAIT on a blocking socket with nothing queued: %s\n", recv(c, buf, sizeof buf, MSG_DONTWAIT) < 0 ? ename(errno) : "data");
  printf("recv MSG_PEEK|MSG_DONTWAIT with nothing queued: %s\n", recv(c, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT) < 0 ? ename(errno) : "data");

  int rcv = bufsize(c, SO_RCVBUF), sndnow = bufsize(c, SO_SNDBUF);
  int want = 32 * 1024;
  check("setsockopt SO_RCVBUF", setsockopt(c, SOL_SOCKET, SO_RCVBUF, &want, sizeof want) == 0);
  int after = bufsize(c, SO_RCVBUF);
  fprintf(stderr, "SO_RCVBUF %d, then %d after asking for %d; SO_SNDBUF %d after asking for %d\n", rcv, after, want, sndnow, snd);
  printf("SO_RCVBUF > 0: %d, at least what was asked for after setting it: %d\n", rcv > 0, after >= want);
  printf("SO_SNDBUF at least what was asked for before connecting: %d\n", sndnow >= snd);
  check("send after resizing", send(s, "again", 5, 0) == 5);
  n = recv(c, buf, sizeof buf, 0);
  printf("recv after resizing: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);

  /* accept4's flags. */
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  check("connect", connect(c2, (struct sockaddr *)&at, sizeof at) == 0);
  int a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  check("accept4", a >= 0);
  printf("accept4 SOCK_NONBLOCK|SOCK_CLOEXEC: non-blocking %d, close-on-exec %d\n", nonblocking(a), (fcntl(a, F_GETFD) & FD_CLOEXEC) != 0);
  printf("recv on it with nothing sent: %s\n", recv(a, buf, sizeof buf, 0) < 0 ? ename(errno) : "data");
  close(a);
  close(c2);

  /* A connect to a closed port fails through SO_ERROR, once. */
  int r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in nowhere = loopback(closed);
  int rr = connect(r, (struct sockaddr *)&nowhere, sizeof nowhere);
  fprintf(stderr, "connect to a closed port: %s\n", rr == 0 ? "0" : ename(errno));
  if (rr < 0 && errno == ECONNREFUSED) {
    printf("refused: ECONNREFUSED\npoll saw it: 1\n");
  } else {
    struct pollfd p = {r, POLLOUT, 0};
    int ready = poll(&p, 1, 5000);
    fprintf(stderr, "poll after a refused connect: %d revents %#x\n", ready, p.revents);
    int e = sockerr(r);
    printf("refused: %s\n", e ? ename(e) : "no error");
    printf("poll saw it: %d\n", ready == 1 && (p.revents & (POLLOUT | POLLERR)) != 0);
  }
  printf("SO_ERROR again: %d\n", sockerr(r));
  close(r);
  /* The same failure learnt by asking connect again; SO_ERROR has nothing left after it. */
  r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  rr = connect(r, (struct sockaddr *)&nowhere, sizeof nowhere);
  if (rr < 0 && errno == EINPROGRESS) {
    struct pollfd p = {r, POLLOUT, 0};
    poll(&p, 1, 5000);
    rr = connect(r, (struct sockaddr *)&nowhere, sizeof nowhere);
  }
  printf("connect again after a refusal: %s, then SO_ERROR %d\n", rr == 0 ? "0" : ename(errno), sockerr(r));
  close(r);
  close(s);
  close(c);
  close(l);
}

static void udp(int port) {
  int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in at = loopback(port);
  check("bind udp", bind(u1, (struct sockaddr *)&at, sizeof at) == 0);
  check("connect udp", connect(u2, (struct sockaddr *)&at, sizeof at) == 0);
  check("send udp", send(u2, "datagram", 8, 0) == 8);
  check("send udp", send(u2, "second", 6, 0) == 6);
  char buf[64];
  ssize_t n = recv(u1, buf, 4, MSG_PEEK);
  printf("udp recv MSG_PEEK 4: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  printf("udp FIONREAD (the next datagram): %d\n", fionread(u1));
  n = recv(u1, buf, sizeof buf, 0);
  printf("udp recv: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  n = recv(u1, buf, sizeof buf, MSG_PEEK);
  printf("udp recv MSG_PEEK: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  n = recv(u1, buf, sizeof buf, 0);
  printf("udp recv: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  printf("udp recv MSG_DONTWAIT with nothing queued: %s\n", recv(u1, buf, sizeof buf, MSG_DONTWAIT) < 0 ? ename(errno) : "data");
  close(u1);
  close(u2);
}

static void pipes(void) {
  int p[2];
  char c;
  check("pipe", pipe(p) == 0);
  printf("pipe read end non-blocking: %d\n", nonblocking(p[0]));
  check("F_SETFL", fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0);
  check("F_SETFL", fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK) == 0);
  printf("after F_SETFL O_NONBLOCK: %d %d\n", nonblocking(p[0]), nonblocking(p[1]));
  printf("read from the empty pipe: %s\n", read(p[0], &c, 1) < 0 ? ename(errno) : "data");
  static char chunk[4096];
  long total = 0;
  ssize_t n;
  while ((n = write(p[1], chunk, sizeof chunk)) > 0) total += n;
  printf("writes until the pipe is full end with: %s (after some data: %d)\n", ename(errno), total > 0);
  printf("FIONREAD on the full pipe is positive: %d\n", fionread(p[0]) > 0);
  printf("read from the full pipe: %zd\n", read(p[0], &c, 1));
  check("F_SETFL", fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_NONBLOCK) == 0);
  printf("after clearing O_NONBLOCK: %d\n", nonblocking(p[0]));
  close(p[0]);
  close(p[1]);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: socknb PORT CLOSED_PORT UDP_PORT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  tcp(atoi(argv[1]), atoi(argv[2]));
  udp(atoi(argv[3]));
  pipes();
  return 0;
}
