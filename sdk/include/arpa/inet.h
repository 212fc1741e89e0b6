/* arpa/inet.h for MACROHARD: wasi-libc's, plus inet_addr and inet_ntoa (sdk/src/socket.c). */
#ifndef _MH_ARPA_INET_H
#define _MH_ARPA_INET_H

#include_next <arpa/inet.h>

#ifdef __cplusplus
extern "C" {
#endif

in_addr_t inet_addr(const char *cp);
char *inet_ntoa(struct in_addr in);

#ifdef __cplusplus
}
#endif

#endif
