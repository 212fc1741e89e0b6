/*
 * fcntl.h for MACROHARD: wasi-libc's, plus the record-lock commands it lacks (Linux's values),
 * which the SDK's fcntl passes to the kernel's lock table (sdk/src/lock.c).
 */
#include_next <fcntl.h>

#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif
