/*
 * libc: what the SDK adds to wasi-libc for real software: setjmp/longjmp (through
 * WebAssembly exceptions, across frames and in a loop, as Lua's error handling uses them),
 * tmpfile and mkstemp. The transcript is the same natively.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __wasi__
#include <macrohard.h>
#endif

static jmp_buf outer;
static int depth_reached;

static void dive(int n) {
  depth_reached = n;
  if (n == 50) longjmp(outer, n);
  dive(n + 1);
}

static int protected_call(int fail) {
  jmp_buf inner;
  int r = setjmp(inner);
  if (r) return -r;
  if (fail) longjmp(inner, fail);
  return 1;
}

int main(void) {
  int r = setjmp(outer);
  if (r == 0) {
    dive(0);
    puts("not reached");
  }
  printf("longjmp from depth %d returned %d\n", depth_reached, r);
  printf("nested: %d %d %d\n", protected_call(0), protected_call(7), protected_call(0));
  volatile int count = 0;
  jmp_buf again;
  if (setjmp(again) < 5) {
    count++;
    longjmp(again, count);
  }
  printf("looped %d times\n", count);

  FILE *t = tmpfile();
  if (!t) return 1;
  fputs("temporary", t);
  rewind(t);
  char buf[32] = {0};
  fgets(buf, sizeof buf, t);
  fclose(t);
  printf("tmpfile: %s\n", buf);
  char name[] = "/tmp/mh-libc-XXXXXX";
  int fd = mkstemp(name);
  printf("mkstemp: %d name changed %d\n", fd >= 0, strcmp(name, "/tmp/mh-libc-XXXXXX") != 0);
  char name2[] = "/tmp/mh-libc-XXXXXX";
  int fd2 = mkstemp(name2);
  printf("second name differs: %d\n", strcmp(name, name2) != 0);
  close(fd);
  close(fd2);
  unlink(name);
  unlink(name2);
  return 0;
}
