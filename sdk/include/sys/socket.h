/*
 * sys/socket.h for MACROHARD: wasi-libc's header (sockaddr, accept, send, recv, shutdown and
 * the WASI values of AF_INET, SOCK_STREAM, SOL_SOCKET) plus what it leaves out because plain
 * WASI cannot make sockets: socket, bind, listen, connect, getsockname, getpeername,
 * setsockopt, sendto, recvfrom and the common options. sdk/src/socket.c implements them on
 * the network daemon through the `macrohard` imports; docs/network.md says how they map.
 */
#ifndef _MH_SYS_SOCKET_H
#define _MH_SYS_SOCKET_H

#include_next <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PF_INET
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6
#define PF_UNIX AF_UNIX
#define PF_LOCAL AF_UNIX
#define AF_LOCAL AF_UNIX
#endif

/* Options at SOL_SOCKET (Linux's numbers; SO_TYPE is wasi-libc's). */
#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15

#define SOMAXCONN 128
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x0040
#endif

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
int setsockopt(int fd, int level, int name, const void *value, socklen_t len);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen);
ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags, struct sockaddr *__restrict addr, socklen_t *__restrict alen);

#ifdef __cplusplus
}
#endif

#endif
