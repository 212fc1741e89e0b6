/*
 * getaddrinfo and its companions for MACROHARD. Names go to the runtime's resolver
 * (`macrohard.resolve`: a dotted quad, localhost, /etc/hosts, then DNS through the network
 * daemon), which answers IPv4 addresses or why there are none; `macrohard.resolve6` does the
 * same for IPv6 (an IPv6 literal, ::1, /etc/hosts, AAAA). AF_INET6 asks for IPv6 answers only;
 * AF_UNSPEC for the IPv4 ones, or the IPv6 ones when a name has no IPv4 address. Services
 * are numbers or a few well-known names. Each answer is one allocation (the addrinfo, its
 * sockaddr and the canonical name), chained through ai_next.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "macrohard.h"

int __mh_resolve(const char *name, uint32_t *out, int max) __MH_IMPORT(resolve);
int __mh_resolve6(const char *name, unsigned char *out, int max) __MH_IMPORT(resolve6);

#define MAX_ADDRS 16

static const struct {
  const char *name;
  int port;
} services[] = {
    {"echo", 7}, {"discard", 9}, {"ftp", 21}, {"ssh", 22}, {"telnet", 23}, {"smtp", 25},
    {"domain", 53}, {"http", 80}, {"pop3", 110}, {"ntp", 123}, {"imap", 143}, {"https", 443},
};

/* The port for a service (host order), or -1. */
static int service_port(const char *service, int numeric_only) {
  char *end;
  long n;
  if (!service) return 0;
  n = strtol(service, &end, 10);
  if (*service && !*end) return n >= 0 && n <= 65535 ? (int)n : -1;
  if (numeric_only) return -1;
  for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
    if (!strcmp(services[i].name, service)) return services[i].port;
  return -1;
}

/* The EAI_* code for a resolver import's failure (n < 0) or empty answer. */
static int resolve_error(int n) {
  if (n == -ENOENT || n == 0) return EAI_NONAME;
  if (n == -EAGAIN) return EAI_AGAIN;
  errno = -n;
  return EAI_SYSTEM;
}

/* IPv6 addresses for a node (16 bytes each), or an EAI_* code. */
static int node_addrs6(const char *node, int flags, unsigned char (*addrs)[16], int *count) {
  int n;
  if (!node) {
    memset(addrs[0], 0, 16);
    if (!(flags & AI_PASSIVE)) addrs[0][15] = 1;
    *count = 1;
    return 0;
  }
  if (inet_pton(AF_INET6, node, addrs[0]) == 1) {
    *count = 1;
    return 0;
  }
  if (flags & AI_NUMERICHOST) return EAI_NONAME;
  n = __mh_resolve6(node, addrs[0], MAX_ADDRS);
  if (n <= 0) return resolve_error(n);
  *count = n;
  return 0;
}

/* Addresses for a node, or an EAI_* code. */
static int node_addrs(const char *node, int flags, uint32_t *addrs, int *count) {
  struct in_addr a;
  int n;
  if (!node) {
    addrs[0] = flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK;
    *count = 1;
    return 0;
  }
  if (inet_aton(node, &a)) {
    addrs[0] = ntohl(a.s_addr);
    *count = 1;
    return 0;
  }
  if (flags & AI_NUMERICHOST) return EAI_NONAME;
  n = __mh_resolve(node, addrs, MAX_ADDRS);
  if (n <= 0) return resolve_error(n);
  *count = n;
  return 0;
}

struct answer {
  struct addrinfo ai;
  union {
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
  } sa;
};

int getaddrinfo(const char *restrict node, const char *restrict service, const struct addrinfo *restrict hints, struct addrinfo **restrict res) {
  static const int types[][2] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}};
  uint32_t addrs[MAX_ADDRS];
  unsigned char addrs6[MAX_ADDRS][16];
  int count = 0, flags = hints ? hints->ai_flags : 0, family = hints ? hints->ai_family : AF_UNSPEC;
  int socktype = hints ? hints->ai_socktype : 0, protocol = hints ? hints->ai_protocol : 0;
  struct addrinfo *head = NULL, **tail = &head;
  int port, r, v6 = 0;

  if (!node && !service) return EAI_NONAME;
  if (flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)) return EAI_BADFLAGS;
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return EAI_FAMILY;
  if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM) return EAI_SOCKTYPE;
  port = service_port(service, flags & AI_NUMERICSERV);
  if (port < 0) return EAI_SERVICE;
  if (family == AF_INET6) {
    r = node_addrs6(node, flags, addrs6, &count);
    v6 = 1;
  } else {
    r = node_addrs(node, flags, addrs, &count);
    /* A name with no IPv4 address (an IPv6 literal, say) answers AF_UNSPEC with its IPv6 ones. */
    if (r == EAI_NONAME && family == AF_UNSPEC && node_addrs6(node, flags, addrs6, &count) == 0) r = 0, v6 = 1;
  }
  if (r != 0) return r;

  for (int i = 0; i < count; i++) {
    for (size_t t = 0; t < 2; t++) {
      struct answer *a;
      if (socktype && socktype != types[t][0]) continue;
      if (protocol && protocol != types[t][1]) continue;
      a = calloc(1, sizeof *a + (node && head == NULL && (flags & AI_CANONNAME) ? strlen(node) + 1 : 0));
      if (!a) {
        freeaddrinfo(head);
        return EAI_MEMORY;
      }
      if (v6) {
        a->sa.sin6.sin6_family = AF_INET6;
        a->sa.sin6.sin6_port = htons((uint16_t)port);
        memcpy(&a->sa.sin6.sin6_addr, addrs6[i], 16);
        a->ai.ai_addrlen = sizeof a->sa.sin6;
      } else {
        a->sa.sin.sin_family = AF_INET;
        a->sa.sin.sin_port = htons((uint16_t)port);
        a->sa.sin.sin_addr.s_addr = htonl(addrs[i]);
        a->ai.ai_addrlen = sizeof a->sa.sin;
      }
      a->ai.ai_family = v6 ? AF_INET6 : AF_INET;
      a->ai.ai_socktype = types[t][0];
      a->ai.ai_protocol = types[t][1];
      a->ai.ai_addr = (struct sockaddr *)&a->sa;
      if (node && head == NULL && (flags & AI_CANONNAME)) a->ai.ai_canonname = strcpy((char *)(a + 1), node);
      *tail = &a->ai;
      tail = &a->ai.ai_next;
    }
  }
  if (!head) return EAI_SOCKTYPE;
  *res = head;
  return 0;
}

void freeaddrinfo(struct addrinfo *res) {
  while (res) {
    struct addrinfo *next = res->ai_next;
    free(res); /* the addrinfo is the start of its allocation */
    res = next;
  }
}

const char *gai_strerror(int code) {
  switch (code) {
  case 0: return "Success";
  case EAI_BADFLAGS: return "Bad value for ai_flags";
  case EAI_NONAME: return "Name or service not known";
  case EAI_AGAIN: return "Temporary failure in name resolution";
  case EAI_FAIL: return "Non-recoverable failure in name resolution";
  case EAI_FAMILY: return "ai_family not supported";
  case EAI_SOCKTYPE: return "ai_socktype not supported";
  case EAI_SERVICE: return "Servname not supported for ai_socktype";
  case EAI_MEMORY: return "Memory allocation failure";
  case EAI_SYSTEM: return "System error";
  case EAI_OVERFLOW: return "Argument buffer overflow";
  default: return "Unknown error";
  }
}

/* Numeric answers only: there is no reverse lookup (NI_NAMEREQD fails with EAI_NONAME). */
int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host, socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags) {
  const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
  int v6 = sa && sa->sa_family == AF_INET6;
  if (!sa || salen < (v6 ? sizeof *in6 : sizeof *in) || (!v6 && in->sin_family != AF_INET)) return EAI_FAMILY;
  if (host && hostlen) {
    if (flags & NI_NAMEREQD) return EAI_NONAME;
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)&in6->sin6_addr : (const void *)&in->sin_addr, host, hostlen)) return EAI_OVERFLOW;
  }
  /* The port sits at the same offset in both layouts. */
  if (serv && servlen && snprintf(serv, servlen, "%u", ntohs(in->sin_port)) >= (int)servlen) return EAI_OVERFLOW;
  return 0;
}

struct hostent *gethostbyname(const char *name) {
  static uint32_t addr;
  static char *list[2] = {(char *)&addr, NULL};
  static char *aliases[1] = {NULL};
  static char hname[256];
  static struct hostent h = {hname, aliases, AF_INET, 4, list};
  uint32_t addrs[MAX_ADDRS];
  int count;
  if (node_addrs(name, 0, addrs, &count) != 0) return NULL;
  addr = htonl(addrs[0]);
  snprintf(hname, sizeof hname, "%s", name);
  return &h;
}
