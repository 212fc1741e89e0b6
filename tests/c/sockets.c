/*
 * BSD sockets as ordinary C programs use them, one program with several parts:
 *
 *   sockets server PORT CLIENTS   an echo server: socket, SO_REUSEADDR, bind, listen, then one
 *                                 poll() loop over the listener and its connections; exits
 *                                 after CLIENTS connections have closed
 *   sockets client HOST PORT WORD...
 *                                 getaddrinfo, connect (retried while the server is not yet
 *                                 listening), a non-blocking recv that must say EAGAIN, each
 *                                 word sent and its echo awaited with select(), shutdown,
 *                                 the end of the stream, getsockname/getpeername
 *   sockets refused HOST PORT     connect to a port nobody listens on
 *   sockets lookup NAME           getaddrinfo of a name: its address, or the EAI_ code
 *   sockets get HOST PORT PATH    an HTTP/1.0 GET: the status line, then the body
 *   sockets inetd SELF PORT       accepts one connection and hands it to a child process
 *                                 (`sockets handler`) at descriptor 3, as inetd does; the
 *                                 child names its peer and answers in capitals
 *   sockets udpecho PORT COUNT    echoes COUNT datagrams to their senders (recvfrom, sendto)
 *   sockets udpsend HOST PORT WORD...
 *                                 sends each word with sendto on an unconnected socket and
 *                                 prints the echo recvfrom gets
 *   sockets dns PORT NAME ADDR    a DNS server over UDP (bind, recvfrom, sendto) that knows
 *                                 one name and answers NXDOMAIN for the rest; runs until killed
 *
 * The output is the same whichever system runs it, so the test compares it with the same
 * source built natively.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
  case ECONNREFUSED: return "ECONNREFUSED";
  case EAGAIN: return "EAGAIN";
  case ENOTCONN: return "ENOTCONN";
  case EADDRINUSE: return "EADDRINUSE";
  case EPIPE: return "EPIPE";
  case ETIMEDOUT: return "ETIMEDOUT";
  default: return strerror(e);
  }
}

static const char *gainame(int e) {
  switch (e) {
  case EAI_NONAME: return "EAI_NONAME";
  case EAI_AGAIN: return "EAI_AGAIN";
  case EAI_FAIL: return "EAI_FAIL";
  case EAI_SERVICE: return "EAI_SERVICE";
  default: return gai_strerror(e);
  }
}

static void die(const char *what) {
  printf("%s: %s\n", what, errname(errno));
  exit(1);
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* A connected socket to host:port; retries while the port is refused when `patient`. */
static int dial(const char *host, const char *port, int patient) {
  struct addrinfo hints, *res;
  int r, fd;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    printf("getaddrinfo %s: %s\n", host, gainame(r));
    exit(2);
  }
  for (int tries = 0;; tries++) {
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) die("socket");
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) break;
    if (errno != ECONNREFUSED || !patient || tries == 200) {
      int e = errno;
      close(fd);
      freeaddrinfo(res);
      errno = e;
      return -1;
    }
    close(fd);
    pause_ms(25);
  }
  freeaddrinfo(res);
  return fd;
}

/* An IPv4 socket of `type` bound to `port` on every address (SO_REUSEADDR for TCP). */
static int bound(int type, int port) {
  struct sockaddr_in addr;
  int one = 1, fd = socket(AF_INET, type, 0);
  if (fd < 0) die("socket");
  if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt");
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  memset(addr.sin_zero, 0, sizeof addr.sin_zero);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  return fd;
}

/* A listening TCP socket on every address, with SO_REUSEADDR. */
static int listener(int port) {
  int fd = bound(SOCK_STREAM, port);
  if (listen(fd, 8) < 0) die("listen");
  return fd;
}

static int server(int port, int clients) {
  struct pollfd fds[16];
  long bytes[16];
  int nfds = 1, closed = 0, one = 1;
  struct sockaddr_in got;
  socklen_t len = sizeof got;
  int lfd = listener(port);
  int got_opt = 0;
  socklen_t olen = sizeof got_opt;
  if (getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &got_opt, &olen) < 0) die("getsockopt");
  printf("SO_REUSEADDR: %d\n", got_opt != 0);
  if (getsockname(lfd, (struct sockaddr *)&got, &len) < 0) die("getsockname");
  printf("listening on port %d\n", ntohs(got.sin_port));
  fflush(stdout);
  fds[0].fd = lfd;
  fds[0].events = POLLIN;
  while (closed < clients) {
    if (poll(fds, nfds, -1) < 0) die("poll");
    if (fds[0].revents & POLLIN) {
      struct sockaddr_in peer;
      socklen_t plen = sizeof peer;
      int c = accept(lfd, (struct sockaddr *)&peer, &plen);
      if (c < 0) die("accept");
      if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("setsockopt TCP_NODELAY");
      olen = sizeof got_opt;
      if (getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &got_opt, &olen) < 0) die("getsockopt TCP_NODELAY");
      if (!got_opt) printf("TCP_NODELAY did not stick\n");
      printf("accepted a connection from %s\n", inet_ntoa(peer.sin_addr));
      fflush(stdout);
      fds[nfds].fd = c;
      fds[nfds].events = POLLIN;
      bytes[nfds] = 0;
      nfds++;
    }
    for (int i = 1; i < nfds; i++) {
      char buf[4096];
      ssize_t n;
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      n = recv(fds[i].fd, buf, sizeof buf, 0);
      if (n < 0) die("recv");
      if (n == 0) {
        printf("a connection closed after %ld bytes\n", bytes[i]);
        fflush(stdout);
        close(fds[i].fd);
        fds[i] = fds[--nfds];
        bytes[i] = bytes[nfds];
        closed++;
        i--;
        continue;
      }
      bytes[i] += n;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = send(fds[i].fd, buf + off, (size_t)(n - off), 0);
        if (w < 0) die("send");
        off += w;
      }
    }
  }
  close(lfd);
  printf("server done\n");
  return 0;
}

/* Waits with select() until fd is readable; 0 on timeout. */
static int readable(int fd, int seconds) {
  fd_set set;
  struct timeval tv = {seconds, 0};
  FD_ZERO(&set);
  FD_SET(fd, &set);
  int r = select(fd + 1, &set, NULL, NULL, &tv);
  if (r < 0) die("select");
  return r > 0 && FD_ISSET(fd, &set);
}

static int client(const char *host, const char *port, int nwords, char **words) {
  char buf[256];
  struct sockaddr_in me, peer;
  socklen_t mlen = sizeof me, plen = sizeof peer;
  int fd = dial(host, port, 1);
  if (fd < 0) die("connect");
  if (getsockname(fd, (struct sockaddr *)&me, &mlen) < 0) die("getsockname");
  if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) die("getpeername");
  printf("connected from %s (an ephemeral port: %d)", inet_ntoa(me.sin_addr), ntohs(me.sin_port) >= 1024);
  printf(" to %s:%d\n", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));

  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (recv(fd, buf, sizeof buf, 0) < 0) printf("non-blocking recv before anything was sent: %s\n", errname(errno));
  else printf("non-blocking recv returned data\n");
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);

  for (int i = 0; i < nwords; i++) {
    size_t want = strlen(words[i]), have = 0;
    if (send(fd, words[i], want, 0) != (ssize_t)want) die("send");
    while (have < want) {
      ssize_t n;
      if (!readable(fd, 10)) {
        printf("no echo within 10 s\n");
        return 1;
      }
      n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
      if (n <= 0) die("recv");
      have += (size_t)n;
    }
    buf[have] = 0;
    printf("echoed: %s\n", buf);
  }
  if (shutdown(fd, SHUT_WR) < 0) die("shutdown");
  if (!readable(fd, 10)) printf("no end of stream within 10 s\n");
  else printf("after shutdown, recv says %zd\n", recv(fd, buf, sizeof buf, 0));
  if (send(fd, "x", 1, MSG_NOSIGNAL) < 0) printf("send after shutdown with MSG_NOSIGNAL: %s\n", errname(errno));
  close(fd);
  return 0;
}

static int refused(const char *host, const char *port) {
  if (dial(host, port, 0) >= 0) {
    printf("connected?\n");
    return 1;
  }
  printf("connect to a closed port: %s\n", errname(errno));
  return 0;
}

static int lookup(const char *name) {
  struct addrinfo hints, *res;
  char text[INET_ADDRSTRLEN];
  int r;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(name, "http", &hints, &res);
  if (r != 0) {
    printf("%s: %s\n", name, gainame(r));
    return 2;
  }
  struct sockaddr_in *in = (struct sockaddr_in *)res->ai_addr;
  printf("%s: %s port %d\n", name, inet_ntop(AF_INET, &in->sin_addr, text, sizeof text), ntohs(in->sin_port));
  freeaddrinfo(res);
  return 0;
}

static int get(const char *host, const char *port, const char *path) {
  char req[512], buf[4096];
  char *all = NULL;
  size_t len = 0;
  int fd = dial(host, port, 0);
  if (fd < 0) die("connect");
  snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
  if (send(fd, req, strlen(req), 0) != (ssize_t)strlen(req)) die("send");
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) die("recv");
    if (n == 0) break;
    all = realloc(all, len + (size_t)n + 1);
    memcpy(all + len, buf, (size_t)n);
    len += (size_t)n;
  }
  close(fd);
  if (!all) {
    printf("empty answer\n");
    return 1;
  }
  all[len] = 0;
  char *body = strstr(all, "\r\n\r\n");
  char *eol = strstr(all, "\r\n");
  if (!body || !eol) {
    printf("no header end\n");
    return 1;
  }
  printf("%.*s\n", (int)(eol - all), all);
  fwrite(body + 4, 1, len - (size_t)(body + 4 - all), stdout);
  free(all);
  return 0;
}

extern char **environ;

static int inetd(const char *self, int port) {
  int l = listener(port), status;
  int c = accept(l, NULL, NULL);
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char *args[] = {(char *)self, "handler", NULL};
  if (c < 0) die("accept");
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, c, 3);
  if (posix_spawn(&pid, self, &fa, NULL, args, environ) != 0) die("posix_spawn");
  posix_spawn_file_actions_destroy(&fa);
  close(c);
  close(l);
  waitpid(pid, &status, 0);
  printf("handler exited %d\n", WEXITSTATUS(status));
  return 0;
}

/* The connection is descriptor 3, as inetd leaves it. */
static int handler(void) {
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  char buf[256];
  ssize_t n;
  if (getpeername(3, (struct sockaddr *)&peer, &plen) < 0) die("getpeername");
  printf("handler: a connection from %s\n", inet_ntoa(peer.sin_addr));
  while ((n = recv(3, buf, sizeof buf, 0)) > 0) {
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 32);
    if (send(3, buf, (size_t)n, 0) != n) die("send");
  }
  if (n < 0) die("recv");
  close(3);
  return 0;
}

static int udpecho(int port, int count) {
  struct sockaddr_in from;
  char buf[512];
  int fd = bound(SOCK_DGRAM, port);
  for (int i = 0; i < count; i++) {
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0) die("recvfrom");
    printf("datagram of %zd bytes\n", n);
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) != n) die("sendto");
  }
  close(fd);
  return 0;
}

static int udpsend(const char *host, int port, int nwords, char **words) {
  struct sockaddr_in to, from;
  char buf[512];
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) return 64;
  for (int i = 0; i < nwords; i++) {
    socklen_t flen = sizeof from;
    ssize_t n;
    /*
     * A datagram sent before the server has bound its port is lost, or refused (on MACROHARD
     * the socket is connected by the first sendto, so the refusal reaches it): send again.
     */
    for (int tries = 0;; tries++) {
      if (tries == 20) {
        printf("no answer\n");
        return 1;
      }
      if (sendto(fd, words[i], strlen(words[i]), 0, (struct sockaddr *)&to, sizeof to) < 0) {
        if (errno != ECONNREFUSED) die("sendto");
        pause_ms(50);
        continue;
      }
      if (!readable(fd, 1)) continue;
      n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen);
      if (n >= 0) break;
      if (errno != ECONNREFUSED) die("recvfrom");
      pause_ms(50);
    }
    buf[n] = 0;
    printf("udp echo from %s:%d: %s\n", inet_ntoa(from.sin_addr), ntohs(from.sin_port), buf);
  }
  close(fd);
  return 0;
}

/* Answers A queries for `name` with `addr`, others with NXDOMAIN. */
static int dns(int port, const char *name, const char *addr) {
  struct sockaddr_in from;
  struct in_addr a;
  unsigned char q[512];
  int fd;
  if (!inet_aton(addr, &a)) return 64;
  fd = bound(SOCK_DGRAM, port);
  printf("dns server ready\n");
  for (;;) {
    socklen_t flen = sizeof from;
    char qname[256];
    size_t qn = 0, o = 12;
    ssize_t n = recvfrom(fd, q, sizeof q - 16, 0, (struct sockaddr *)&from, &flen);
    if (n < 0) die("recvfrom");
    if (n < 17) continue;
    while (o < (size_t)n && q[o] && qn + q[o] + 1 < sizeof qname) {
      if (qn) qname[qn++] = '.';
      memcpy(qname + qn, q + o + 1, q[o]);
      qn += q[o];
      o += q[o] + 1u;
    }
    qname[qn] = 0;
    o += 5; /* the root label, QTYPE, QCLASS */
    if (o > (size_t)n) continue;
    int known = !strcmp(qname, name);
    q[2] = 0x81;
    q[3] = known ? 0x80 : 0x83;
    q[6] = 0, q[7] = known ? 1 : 0;
    q[8] = q[9] = q[10] = q[11] = 0;
    if (known) {
      static const unsigned char rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      memcpy(q + o, rr, sizeof rr);
      memcpy(q + o + sizeof rr, &a, 4);
      o += sizeof rr + 4;
    }
    if (sendto(fd, q, o, 0, (struct sockaddr *)&from, flen) < 0) die("sendto");
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && !strcmp(argv[1], "server")) return server(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 4 && !strcmp(argv[1], "client")) return client(argv[2], argv[3], argc - 4, argv + 4);
  if (argc == 4 && !strcmp(argv[1], "refused")) return refused(argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "lookup")) return lookup(argv[2]);
  if (argc == 5 && !strcmp(argv[1], "get")) return get(argv[2], argv[3], argv[4]);
  if (argc == 4 && !strcmp(argv[1], "inetd")) return inetd(argv[2], atoi(argv[3]));
  if (argc == 2 && !strcmp(argv[1], "handler")) return handler();
  if (argc == 4 && !strcmp(argv[1], "udpecho")) return udpecho(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 4 && !strcmp(argv[1], "udpsend")) return udpsend(argv[2], atoi(argv[3]), argc - 4, argv + 4);
  if (argc == 5 && !strcmp(argv[1], "dns")) return dns(atoi(argv[2]), argv[3], argv[4]);
  fprintf(stderr, "usage: sockets server PORT CLIENTS | client HOST PORT WORD... | refused HOST PORT | lookup NAME | get HOST PORT PATH\n"
                  "  | inetd SELF PORT | udpecho PORT COUNT | udpsend HOST PORT WORD... | dns PORT NAME ADDR\n");
  return 64;
}
