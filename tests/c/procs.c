/*
 * procs: processes and pipes as a shell uses them: posix_spawn with descriptor mapping,
 * waitpid and exit statuses, a child killed by a signal, a two-stage pipeline, the
 * environment and arguments passed down, and getppid. Usage: procs SELF (this program's own
 * path); the child roles are `procs SELF child ...`. The transcript is the same natively.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __wasi__
#include <macrohard.h>
#endif

#define CHECK(x) do { if (!(x)) { printf("FAILED %s at line %d: %s\n", #x, __LINE__, strerror(errno)); exit(1); } } while (0)

extern char **environ;

static pid_t start(const char *self, char **args, int in, int out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in >= 0) posix_spawn_file_actions_adddup2(&fa, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&fa, out, 1);
  char *argv[16] = {(char *)"procs", (char *)self};
  int n = 2;
  while (*args && n < 15) argv[n++] = *args++;
  argv[n] = 0;
  pid_t pid;
  int r = posix_spawn(&pid, self, &fa, 0, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  CHECK(r == 0);
  return pid;
}

static int child(int argc, char **argv) {
  const char *role = argv[3];
  if (!strcmp(role, "exit")) return atoi(argv[4]);
  if (!strcmp(role, "echo")) {
    for (int i = 4; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
    return 0;
  }
  if (!strcmp(role, "env")) {
    const char *v = getenv(argv[4]);
    printf("%s=%s\n", argv[4], v ? v : "(unset)");
    return 0;
  }
  if (!strcmp(role, "ppid")) {
    printf("%d\n", (int)getppid());
    return 0;
  }
  if (!strcmp(role, "sleep")) {
    for (;;) sleep(1);
  }
  if (!strcmp(role, "upper")) { /* a filter: stdin to stdout in capitals */
    int c;
    while ((c = getchar()) != EOF) putchar(c >= 'a' && c <= 'z' ? c - 32 : c);
    return 0;
  }
  if (!strcmp(role, "count")) {
    long n = 0;
    char buf[4096];
    ssize_t k;
    while ((k = read(0, buf, sizeof buf)) > 0) n += k;
    printf("%ld bytes\n", n);
    return 0;
  }
  if (!strcmp(role, "gen")) {
    long left = atol(argv[4]);
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    while (left > 0) {
      ssize_t k = write(1, buf, left < 1000 ? left : 1000);
      if (k <= 0) return 1;
      left -= k;
    }
    return 0;
  }
  return 99;
}

static char *capture(const char *self, char **args) {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = start(self, args, -1, p[1]);
  close(p[1]);
  static char out[4096];
  size_t n = 0;
  ssize_t k;
  while ((k = read(p[0], out + n, sizeof out - 1 - n)) > 0) n += k;
  out[n] = 0;
  close(p[0]);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  return out;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *self = argv[1];
  if (argc > 3 && !strcmp(argv[2], "child")) return child(argc, argv);
  setvbuf(stdout, 0, _IONBF, 0);

  for (int code = 0; code < 4; code++) {
    char num[8];
    snprintf(num, sizeof num, "%d", code * 7);
    char *a[] = {"child", "exit", num, 0};
    int st;
    pid_t pid = start(self, a, -1, -1);
    CHECK(waitpid(pid, &st, 0) == pid);
    printf("child exit %s: exited %d status %d\n", num, WIFEXITED(st), WEXITSTATUS(st));
  }

  char *echo[] = {"child", "echo", "through", "a", "pipe", 0};
  printf("captured: %s", capture(self, echo));

  setenv("MH_TEST_VAR", "inherited-value", 1);
  char *env[] = {"child", "env", "MH_TEST_VAR", 0};
  printf("child sees %s", capture(self, env));

  char *pp[] = {"child", "ppid", 0};
  printf("child's parent is me: %d\n", atoi(capture(self, pp)) == (int)getpid());

  char *sl[] = {"child", "sleep", 0};
  pid_t sleeper = start(self, sl, -1, -1);
  CHECK(kill(sleeper, SIGTERM) == 0);
  int st;
  CHECK(waitpid(sleeper, &st, 0) == sleeper);
  printf("killed child: signaled %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));

  /* gen 300000 | upper | count, each stage its own process, pipes between them. */
  int a[2], b[2], c[2];
  CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(c) == 0);
  char *g[] = {"child", "gen", "300000", 0};
  char *u[] = {"child", "upper", 0};
  char *n[] = {"child", "count", 0};
  pid_t p1 = start(self, g, -1, a[1]);
  close(a[1]);
  pid_t p2 = start(self, u, a[0], b[1]);
  close(a[0]);
  close(b[1]);
  pid_t p3 = start(self, n, b[0], c[1]);
  close(b[0]);
  close(c[1]);
  char out[64] = {0};
  ssize_t k = read(c[0], out, sizeof out - 1);
  CHECK(k > 0);
  close(c[0]);
  int s1, s2, s3;
  CHECK(waitpid(p1, &s1, 0) == p1 && waitpid(p2, &s2, 0) == p2 && waitpid(p3, &s3, 0) == p3);
  printf("pipeline: %s", out);
  printf("pipeline statuses: %d %d %d\n", WEXITSTATUS(s1), WEXITSTATUS(s2), WEXITSTATUS(s3));

  printf("wait with no children: %s\n", waitpid(-1, &st, 0) < 0 && errno == ECHILD ? "ECHILD" : "?");
  int d = dup(1);
  CHECK(d > 2);
  CHECK(dup2(d, 1) == 1);
  close(d);
  printf("after dup2 stdout still works\n");
  return 5;
}
