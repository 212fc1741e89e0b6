/*
 * IPv6 sockets as ordinary C programs use them, one program with several parts:
 *
 *   sockets6 server PORT CLIENTS  an AF_INET6 echo server bound to in6addr_any: socket,
 *                                 SO_REUSEADDR, bind, listen, getsockname, then for each of
 *                                 CLIENTS connections accept (naming the peer with inet_ntop;
 *                                 an IPv4 client appears v4-mapped) and echo to the end
 *   sockets6 client HOST PORT WORD...
 *                                 getaddrinfo with AF_INET6 (AF_INET for a dotted quad),
 *                                 connect (retried while the server is not yet listening),
 *                                 getsockname/getpeername, each word sent and its echo read,
 *                                 shutdown, the end of the stream
 *   sockets6 lookup NAME          getaddrinfo of a name with AF_INET6: its addresses, or the
 *                                 EAI_ code; then getnameinfo of the first, numeric
 *   sockets6 udpecho PORT COUNT   an AF_INET6 UDP socket echoing COUNT datagrams
 *   sockets6 udpsend HOST PORT WORD...
 *                                 sendto and recvfrom on an unconnected AF_INET6 socket
 *
 * The output is the same whichever system runs it, so the test compares it with the same
 * source built natively.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  printf("%s: %s\n", what, strerror(errno));
  exit(1);
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* "[addr]:port" or "addr:port" for either family. */
static const char *show(const struct sockaddr *sa) {
  static char out[INET6_ADDRSTRLEN + 16];
  char a[INET6_ADDRSTRLEN];
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
    snprintf(out, sizeof out, "[%s]:%u", a, ntohs(in6->sin6_port));
  } else {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
    snprintf(out, sizeof out, "%s:%u", a, ntohs(in->sin_port));
  }
  return out;
}

/* Lengths differ between ABIs (wasi-libc aligns sockaddrs to 16): say which struct it is. */
static const char *size(socklen_t len) {
  return len == sizeof(struct sockaddr_in6) ? "a sockaddr_in6" : len == sizeof(struct sockaddr_in) ? "a sockaddr_in" : "another length";
}

static int bound6(int type, int port) {
  struct sockaddr_in6 addr;
  int one = 1, fd = socket(AF_INET6, type, 0);
  if (fd < 0) die("socket");
  if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt");
  memset(&addr, 0, sizeof addr);
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons((unsigned short)port);
  addr.sin6_addr = in6addr_any;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  return fd;
}

static int server(int port, int clients) {
  struct sockaddr_storage got;
  socklen_t len = sizeof got;
  int lfd = bound6(SOCK_STREAM, port);
  if (listen(lfd, 8) < 0) die("listen");
  if (getsockname(lfd, (struct sockaddr *)&got, &len) < 0) die("getsockname");
  printf("listening on %s (family %s, %s)\n", show((struct sockaddr *)&got), got.ss_family == AF_INET6 ? "AF_INET6" : "other", size(len));
  fflush(stdout);
  for (int i = 0; i < clients; i++) {
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof peer;
    char a[INET6_ADDRSTRLEN], buf[4096];
    long bytes = 0;
    ssize_t n;
    int c = accept(lfd, (struct sockaddr *)&peer, &plen);
    if (c < 0) die("accept");
    inet_ntop(AF_INET6, &peer.sin6_addr, a, sizeof a);
    printf("accepted a connection from %s (%s)\n", a, size(plen));
    fflush(stdout);
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
      bytes += n;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = send(c, buf + off, (size_t)(n - off), 0);
        if (w < 0) die("send");
        off += w;
      }
    }
    if (n < 0) die("recv");
    printf("a connection closed after %ld bytes\n", bytes);
    fflush(stdout);
    close(c);
  }
  close(lfd);
  printf("server done\n");
  return 0;
}

static int client(const char *host, const char *port, char **words, int nwords) {
  struct addrinfo hints, *res;
  struct sockaddr_storage me, peer;
  socklen_t mlen = sizeof me, plen = sizeof peer;
  struct in_addr dummy;
  int fd, r;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = inet_pton(AF_INET, host, &dummy) == 1 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    printf("getaddrinfo %s: %s\n", host, gai_strerror(r));
    return 2;
  }
  for (int tries = 0;; tries++) {
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) die("socket");
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) break;
    if (errno != ECONNREFUSED || tries == 200) die("connect");
    close(fd);
    pause_ms(25);
  }
  freeaddrinfo(res);
  if (getsockname(fd, (struct sockaddr *)&me, &mlen) < 0) die("getsockname");
  if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) die("getpeername");
  /* The local port is an ephemeral one: say only that it is not 0. */
  printf("connected from %s", me.ss_family == AF_INET6 ? "AF_INET6" : "AF_INET");
  printf(" (a port: %d) to %s\n", ((struct sockaddr_in *)&me)->sin_port != 0, show((struct sockaddr *)&peer));
  for (int i = 0; i < nwords; i++) {
    char buf[256];
    size_t len = strlen(words[i]), got = 0;
    if (send(fd, words[i], len, 0) != (ssize_t)len) die("send");
    while (got < len) {
      ssize_t n = recv(fd, buf + got, len - got, 0);
      if (n <= 0) die("recv");
      got += (size_t)n;
    }
    printf("echoed: %.*s\n", (int)len, buf);
  }
  if (shutdown(fd, SHUT_WR) < 0) die("shutdown");
  {
    char c;
    printf("after shutdown, recv says %zd\n", recv(fd, &c, 1, 0));
  }
  close(fd);
  return 0;
}

static int lookup(const char *name) {
  struct addrinfo hints, *res;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  int r;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(name, "80", &hints, &res);
  if (r != 0) {
    printf("%s: %s\n", name, r == EAI_NONAME ? "EAI_NONAME" : gai_strerror(r));
    return 0;
  }
  for (struct addrinfo *a = res; a; a = a->ai_next) printf("%s: %s (%s)\n", name, show(a->ai_addr), size(a->ai_addrlen));
  r = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
  printf("getnameinfo: %s %s %s\n", r == 0 ? "ok" : gai_strerror(r), host, serv);
  freeaddrinfo(res);
  return 0;
}

static int udpecho(int port, int count) {
  int fd = bound6(SOCK_DGRAM, port);
  for (int i = 0; i < count; i++) {
    char buf[512];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0) die("recvfrom");
    printf("datagram of %zd bytes\n", n);
    fflush(stdout);
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) != n) die("sendto");
  }
  close(fd);
  return 0;
}

static int udpsend(const char *host, int port, char **words, int nwords) {
  struct sockaddr_in6 to;
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  memset(&to, 0, sizeof to);
  to.sin6_family = AF_INET6;
  to.sin6_port = htons((unsigned short)port);
  if (inet_pton(AF_INET6, host, &to.sin6_addr) != 1) {
    printf("not an IPv6 address: %s\n", host);
    return 2;
  }
  for (int i = 0; i < nwords; i++) {
    char buf[512];
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t n;
    /* Sent again every 200 ms until the echo comes: the server may not be bound yet. */
    for (int tries = 0;; tries++) {
      struct pollfd p = {fd, POLLIN, 0};
      if (sendto(fd, words[i], strlen(words[i]), 0, (struct sockaddr *)&to, sizeof to) < 0) die("sendto");
      if (poll(&p, 1, 200) > 0 || tries == 50) break;
    }
    n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0) die("recvfrom");
    printf("udp echo from %s: %.*s\n", show((struct sockaddr *)&from), (int)n, buf);
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && !strcmp(argv[1], "server")) return server(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 4 && !strcmp(argv[1], "client")) return client(argv[2], argv[3], argv + 4, argc - 4);
  if (argc == 3 && !strcmp(argv[1], "lookup")) return lookup(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "udpecho")) return udpecho(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 5 && !strcmp(argv[1], "udpsend")) return udpsend(argv[2], atoi(argv[3]), argv + 4, argc - 4);
  fprintf(stderr, "usage: sockets6 server PORT CLIENTS | client HOST PORT WORD... | lookup NAME | udpecho PORT COUNT | udpsend HOST PORT WORD...\n");
  return 2;
}
