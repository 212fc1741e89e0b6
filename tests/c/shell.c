/*
 * shell: system(), popen() and pclose() from the SDK, through the shell: a command's exit
 * status, output read from a command, input written to one. The transcript is the same with
 * a POSIX /bin/sh natively.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __wasi__
#include <macrohard.h>
#endif

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  printf("shell available: %d\n", system(0) != 0);
  int st = system("exit 3");
  printf("system exit 3: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
  st = system("echo from system");
  printf("system echo: status %d\n", WEXITSTATUS(st));
  FILE *p = popen("echo one; echo two", "r");
  char line[64];
  int n = 0;
  while (p && fgets(line, sizeof line, p)) printf("popen read %d: %s", ++n, line);
  printf("pclose: %d\n", p ? WEXITSTATUS(pclose(p)) : -1);
  p = popen("cat", "w");
  if (p) {
    fputs("written through popen\n", p);
    printf("pclose writer: %d\n", WEXITSTATUS(pclose(p)));
  }
  return 0;
}
