/*
 * BSD sockets for C programs on MACROHARD, over the runtime's `macrohard` socket imports
 * (src/runtime/wasi/socket.ts): TCP and UDP over IPv4 and IPv6 through the network daemon.
 * The sockaddr layouts are wasi-libc's; the imports take host-order IPv4 addresses and ports,
 * or IPv6 addresses as their 16 bytes, and give endpoints back as a struct mh_endpoint.
 * accept, send, recv and getsockopt replace wasi-libc's, which cannot name the peer, refuse
 * every send flag and know only SO_TYPE. read, write, poll, select, shutdown and close are
 * wasi-libc's own: a socket is an ordinary descriptor. A non-blocking connect answers
 * EINPROGRESS and ends when poll or select sees the socket writable; SO_ERROR then says how.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>
#include "macrohard.h"

int __mh_socket(int type, int flags) __MH_IMPORT(socket);
/* An endpoint as accept and sockname give it: family 4 or 6, the port, the address in network order. */
struct mh_endpoint {
  uint32_t family;
  uint32_t port;
  unsigned char addr[16];
};

int __mh_bind(int fd, uint32_t addr, int port) __MH_IMPORT(bind);
int __mh_bind6(int fd, const unsigned char *addr, int port) __MH_IMPORT(bind6);
int __mh_listen(int fd, int backlog) __MH_IMPORT(listen);
int __mh_connect(int fd, uint32_t addr, int port) __MH_IMPORT(connect);
int __mh_connect6(int fd, const unsigned char *addr, int port) __MH_IMPORT(connect6);
int __mh_accept(int fd, int flags, struct mh_endpoint *peer) __MH_IMPORT(accept);
int __mh_sockname(int fd, int peer, struct mh_endpoint *out) __MH_IMPORT(sockname);
int __mh_sockopt(int fd, int opt, int value) __MH_IMPORT(sockopt);
int __mh_peek(int fd, void *buf, size_t len, int dontwait) __MH_IMPORT(peek);

/* Types, flags and options as the imports take them. */
enum { MH_STREAM = 1, MH_DGRAM = 2, MH_CLOEXEC = 1, MH_NONBLOCK = 2, MH_INET6 = 4 };
enum { MH_REUSEADDR = 1, MH_KEEPALIVE = 2, MH_NODELAY = 3, MH_RCVBUF = 4, MH_SNDBUF = 5, MH_ERROR = 6, MH_NREAD = 7 };

static int ret(int r) {
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

static int sockflags(int type) {
  return (type & SOCK_CLOEXEC ? MH_CLOEXEC : 0) | (type & SOCK_NONBLOCK ? MH_NONBLOCK : 0);
}

int socket(int domain, int type, int protocol) {
  int kind = type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
  int flags = sockflags(type) | (domain == AF_INET6 ? MH_INET6 : 0);
  if (domain != AF_INET && domain != AF_INET6) {
    errno = EAFNOSUPPORT;
    return -1;
  }
  if (kind == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) return ret(__mh_socket(MH_STREAM, flags));
  if (kind == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) return ret(__mh_socket(MH_DGRAM, flags));
  errno = EPROTONOSUPPORT;
  return -1;
}

/* A sockaddr (IPv4 or IPv6) as an endpoint; -1 (errno set) when it is neither. */
static int unpack(const struct sockaddr *sa, socklen_t len, struct mh_endpoint *ep) {
  if (!sa || len < sizeof(struct sockaddr_in)) {
    errno = EINVAL;
    return -1;
  }
  memset(ep, 0, sizeof *ep);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    ep->family = 4;
    ep->port = ntohs(in->sin_port);
    memcpy(ep->addr, &in->sin_addr, 4);
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (len < sizeof *in6) {
      errno = EINVAL;
      return -1;
    }
    ep->family = 6;
    ep->port = ntohs(in6->sin6_port);
    memcpy(ep->addr, &in6->sin6_addr, 16);
    return 0;
  }
  errno = EAFNOSUPPORT;
  return -1;
}

static uint32_t v4(const struct mh_endpoint *ep) {
  uint32_t a;
  memcpy(&a, ep->addr, 4);
  return ntohl(a);
}

/* Writes an endpoint into a caller's sockaddr (sockaddr_in or sockaddr_in6), cut to *len. */
static void pack(const struct mh_endpoint *ep, struct sockaddr *sa, socklen_t *len) {
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
  const void *src = &in;
  socklen_t n = sizeof in;
  if (!sa || !len) return;
  if (ep->family == 6) {
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons((uint16_t)ep->port);
    memcpy(&in6.sin6_addr, ep->addr, 16);
    src = &in6;
    n = sizeof in6;
  } else {
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((uint16_t)ep->port);
    memcpy(&in.sin_addr, ep->addr, 4);
  }
  memcpy(sa, src, *len < n ? *len : n);
  *len = n;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  struct mh_endpoint ep;
  if (unpack(addr, len, &ep) < 0) return -1;
  return ret(ep.family == 6 ? __mh_bind6(fd, ep.addr, (int)ep.port) : __mh_bind(fd, v4(&ep), (int)ep.port));
}

int listen(int fd, int backlog) { return ret(__mh_listen(fd, backlog)); }

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  struct mh_endpoint ep;
  if (unpack(addr, len, &ep) < 0) return -1;
  return ret(ep.family == 6 ? __mh_connect6(fd, ep.addr, (int)ep.port) : __mh_connect(fd, v4(&ep), (int)ep.port));
}

int accept4(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len, int flags) {
  struct mh_endpoint ep;
  int r = ret(__mh_accept(fd, sockflags(flags), addr ? &ep : NULL));
  if (r >= 0 && addr) pack(&ep, addr, len);
  return r;
}

int accept(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) { return accept4(fd, addr, len, 0); }

static int name(int fd, int peer, struct sockaddr *addr, socklen_t *len) {
  struct mh_endpoint ep;
  if (!addr || !len) {
    errno = EINVAL;
    return -1;
  }
  if (ret(__mh_sockname(fd, peer, &ep)) < 0) return -1;
  pack(&ep, addr, len);
  return 0;
}

int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) { return name(fd, 0, addr, len); }
int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) { return name(fd, 1, addr, len); }

/* Whether fd is a socket: 0, or -1 with errno ENOTSOCK / EBADF. */
static int is_socket(int fd, int *type) {
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
  if (e != 0) return ret(-(int)e);
  if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM && st.fs_filetype != __WASI_FILETYPE_SOCKET_DGRAM) {
    errno = ENOTSOCK;
    return -1;
  }
  if (type) *type = st.fs_filetype;
  return 0;
}

/* The import's number for a (level, name) pair; 0 when MACROHARD has no such option. */
static int option(int level, int opt) {
  if (level == SOL_SOCKET && opt == SO_REUSEADDR) return MH_REUSEADDR;
  if (level == SOL_SOCKET && opt == SO_REUSEPORT) return MH_REUSEADDR;
  if (level == SOL_SOCKET && opt == SO_KEEPALIVE) return MH_KEEPALIVE;
  if (level == IPPROTO_TCP && opt == TCP_NODELAY) return MH_NODELAY;
  if (level == SOL_SOCKET && opt == SO_RCVBUF) return MH_RCVBUF;
  if (level == SOL_SOCKET && opt == SO_SNDBUF) return MH_SNDBUF;
  return 0;
}

/* Bytes a read on the socket would return now (FIONREAD; sdk/src/ioctl.c). */
int __mh_socket_nread(int fd) { return ret(__mh_sockopt(fd, MH_NREAD, -1)); }

int setsockopt(int fd, int level, int opt, const void *value, socklen_t len) {
  int o = option(level, opt);
  int v;
  if (!value || len < sizeof(int)) {
    errno = EINVAL;
    return -1;
  }
  memcpy(&v, value, sizeof v);
  if (o == 0) {
    /* Lingering is netd's own; accepting it keeps portable code running. */
    if (level == SOL_SOCKET && (opt == SO_LINGER || opt == SO_BROADCAST)) return is_socket(fd, NULL);
    errno = ENOPROTOOPT;
    return -1;
  }
  if (o == MH_RCVBUF || o == MH_SNDBUF) {
    if (v < 0) {
      errno = EINVAL;
      return -1;
    }
    return ret(__mh_sockopt(fd, o, v)) < 0 ? -1 : 0;
  }
  return ret(__mh_sockopt(fd, o, v != 0)) < 0 ? -1 : 0;
}

int getsockopt(int fd, int level, int opt, void *__restrict value, socklen_t *__restrict len) {
  int v;
  if (!value || !len || *len < sizeof(int)) {
    errno = EINVAL;
    return -1;
  }
  if (level == SOL_SOCKET && opt == SO_TYPE) {
    if (is_socket(fd, &v) < 0) return -1;
  } else if (level == SOL_SOCKET && opt == SO_ERROR) {
    /* A non-blocking connect's result, or a connection's failure: reported once. */
    if (is_socket(fd, NULL) < 0) return -1;
    v = ret(__mh_sockopt(fd, MH_ERROR, -1));
    if (v < 0) return -1;
  } else {
    int o = option(level, opt);
    if (o == 0) {
      errno = ENOPROTOOPT;
      return -1;
    }
    v = ret(__mh_sockopt(fd, o, -1));
    if (v < 0) return -1;
  }
  memcpy(value, &v, sizeof v);
  *len = sizeof v;
  return 0;
}

/*
 * The kernel sends SIGPIPE with every EPIPE, as Linux does; MSG_NOSIGNAL ignores SIGPIPE for
 * the length of the call, so the error comes back alone.
 */
/* MSG_DONTWAIT: EAGAIN unless the socket is ready now, whatever its O_NONBLOCK says. */
static int ready_now(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  int n = poll(&p, 1, 0);
  if (n < 0) return -1;
  if (n == 0) {
    errno = EAGAIN;
    return -1;
  }
  return 0;
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
  struct sigaction ign, old;
  ssize_t n;
  int e;
  if (flags & ~(MSG_NOSIGNAL | MSG_DONTWAIT)) {
    errno = EOPNOTSUPP;
    return -1;
  }
  if ((flags & MSG_DONTWAIT) && ready_now(fd, POLLOUT) < 0) return -1;
  if (!(flags & MSG_NOSIGNAL)) return write(fd, buf, len);
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  n = write(fd, buf, len);
  e = errno;
  sigaction(SIGPIPE, &old, NULL);
  errno = e;
  return n;
}

/*
 * MSG_WAITALL reads until `len` bytes or the end of the stream; MSG_PEEK returns what a read
 * would and leaves it there (waiting for data as a read does); MSG_DONTWAIT never waits.
 */
ssize_t recv(int fd, void *buf, size_t len, int flags) {
  size_t got = 0;
  if (flags & ~(MSG_WAITALL | MSG_PEEK | MSG_DONTWAIT)) {
    errno = EOPNOTSUPP;
    return -1;
  }
  if (flags & MSG_PEEK) return ret(__mh_peek(fd, buf, len, (flags & MSG_DONTWAIT) != 0));
  if ((flags & MSG_DONTWAIT) && ready_now(fd, POLLIN) < 0) return -1;
  do {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0) return got ? (ssize_t)got : -1;
    if (n == 0) break;
    got += (size_t)n;
  } while ((flags & MSG_WAITALL) && got < len);
  return (ssize_t)got;
}

/*
 * netd's datagram sockets have one peer: the first sendto() on an unconnected socket connects
 * it there, later ones go to that peer whatever they name (a bound socket answers whoever
 * sent to it last).
 */
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen) {
  if (addr) {
    /* The port sits at the same offset in sockaddr_in and sockaddr_in6; a cut copy will do. */
    struct sockaddr_in peer, me;
    socklen_t plen = sizeof peer, mlen = sizeof me;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) {
      if (errno != ENOTCONN || getsockname(fd, (struct sockaddr *)&me, &mlen) < 0) return -1;
      if (me.sin_port == 0 && connect(fd, addr, alen) < 0) return -1;
    }
  }
  return send(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags, struct sockaddr *__restrict addr, socklen_t *__restrict alen) {
  ssize_t n = recv(fd, buf, len, flags);
  if (n >= 0 && addr && alen && getpeername(fd, addr, alen) < 0) {
    struct mh_endpoint none = {4, 0, {0}};
    pack(&none, addr, alen);
  }
  return n;
}

in_addr_t inet_addr(const char *cp) {
  struct in_addr a;
  return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in) {
  static char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in, buf, sizeof buf);
  return buf;
}
