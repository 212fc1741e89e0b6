/*
 * traps: programs that end badly, one way per argument, for the runtime's error paths:
 * abort, a bad memory access, integer division by zero, stack overflow, an unknown import
 * (built with -DUNKNOWN_IMPORT), and running out of memory in malloc, which must return NULL
 * (the test links it with a small --max-memory so the limit is reached at once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef UNKNOWN_IMPORT
__attribute__((import_module("env"), import_name("not_provided"))) int not_provided(int);
#endif

static int depth(volatile int n) { volatile char pad[256]; pad[0] = (char)n; return n == 0 ? pad[0] : depth(n + 1) + pad[0]; }

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "";
  printf("before %s\n", how);
  fflush(stdout);
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "segv")) return *(volatile int *)0xfffffff0;
  if (!strcmp(how, "div")) { volatile int z = 0; return 10 / z; }
  if (!strcmp(how, "stack")) return depth(1);
#ifdef UNKNOWN_IMPORT
  if (!strcmp(how, "import")) return not_provided(1);
#endif
  if (!strcmp(how, "oom")) {
    long got = 0;
    static void *volatile last;
    for (;;) {
      void **p = malloc(1 << 20);
      if (!p) break;
      memset(p, 1, 1 << 20);
      *p = last; /* keep every block reachable so the allocations cannot be optimised away */
      last = p;
      got++;
    }
    printf("malloc returned NULL after %s MiB\n", got > 0 ? "some" : "no");
    return 0;
  }
  return 0;
}
