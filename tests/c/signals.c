/*
 * signals: dispositions as C programs use them on MACROHARD: a handler installed with
 * signal() or sigaction() runs when the signal arrives (raise, kill from the process itself)
 * and waits while the signal is blocked with sigprocmask, SIG_IGN makes
 * a fatal signal harmless, SIG_DFL restores it, and a write to a pipe with no reader kills
 * with SIGPIPE by default but fails with EPIPE when SIGPIPE is ignored.
 * Usage: signals SELF (this program's path; `signals SELF pipewriter [ignore]` is the child).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/wait.h>
#ifdef __wasi__
#include <macrohard.h>
#endif

static volatile int got;
static void on_usr1(int sig) { got = sig; }

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  if (argc < 2) return 2;
  if (argc > 2 && !strcmp(argv[2], "pipewriter")) {
    if (argc > 3) signal(SIGPIPE, SIG_IGN);
    int p[2];
    pipe(p);
    close(p[0]);
    ssize_t r = write(p[1], "x", 1);
    printf("write: %zd %s\n", r, r < 0 && errno == EPIPE ? "EPIPE" : "?");
    return 0;
  }
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  printf("handler ran for raise: %d\n", got == SIGUSR1);
  got = 0;
  kill(getpid(), SIGUSR1);
  printf("handler ran for kill: %d\n", got == SIGUSR1);
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, 0);
  got = 0;
  raise(SIGUSR2);
  printf("sigaction handler ran: %d\n", got == SIGUSR2);
  sigaction(SIGUSR2, 0, &old);
  printf("sigaction reports the handler: %d\n", old.sa_handler == on_usr1);
  sigset_t block, prev;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &prev);
  got = 0;
  kill(getpid(), SIGUSR1);
  printf("blocked: handler ran %d\n", got != 0);
  sigprocmask(SIG_SETMASK, &prev, 0);
  printf("unblocked: handler ran %d\n", got == SIGUSR1);
  signal(SIGTERM, SIG_IGN);
  kill(getpid(), SIGTERM);
  printf("survived an ignored SIGTERM\n");
  for (int ignore = 0; ignore < 2; ignore++) {
    char *args[] = {argv[0], argv[1], "pipewriter", ignore ? "ignore" : 0, 0};
    pid_t pid;
    if (posix_spawn(&pid, argv[1], 0, 0, args, 0) != 0) return 1;
    int st;
    waitpid(pid, &st, 0);
    printf("pipe writer (SIGPIPE %s): %s %d\n", ignore ? "ignored" : "default", WIFSIGNALED(st) ? "killed by" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  }
  signal(SIGTERM, SIG_DFL);
  kill(getpid(), SIGTERM);
  printf("not reached\n");
  return 0;
}
