/*
 * macrohard.h - the MACROHARD C SDK.
 *
 * A program compiled with `macrohard cc` (clang --target=wasm32-wasi with Debian's wasi-libc)
 * gets WASI preview 1 from the runtime and, through this header and libmacrohard.a, what POSIX
 * needs beyond it: processes (posix_spawn, waitpid, kill, exec), pipes, dup/dup2, identity,
 * the kernel's working directory, and signal dispositions. The functions below carry their
 * POSIX names and set errno as POSIX says; the raw imports of the `macrohard` module
 * (__mh_*) answer a value or a negated errno.
 */
#ifndef MACROHARD_H
#define MACROHARD_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define __MH_IMPORT(n) __attribute__((__import_module__("macrohard"), __import_name__(#n)))

/* Raw imports: >= 0 on success, -errno on failure. */
int __mh_spawn(const char *path, char *const argv[], char *const envp[], const int *fdmap, int nfds, const char *cwd, int flags) __MH_IMPORT(spawn);
int __mh_exec(const char *path, char *const argv[], char *const envp[]) __MH_IMPORT(exec);
int __mh_waitpid(int pid, int *status, int options) __MH_IMPORT(waitpid);
int __mh_pipe(int fds[2], int flags) __MH_IMPORT(pipe);
int __mh_dup(int fd) __MH_IMPORT(dup);
int __mh_dup2(int fd, int to) __MH_IMPORT(dup2);
int __mh_set_cloexec(int fd, int on) __MH_IMPORT(set_cloexec);
int __mh_fchmod(int fd, int mode) __MH_IMPORT(fchmod);
int __mh_fchown(int fd, int uid, int gid) __MH_IMPORT(fchown);
int __mh_chmod(const char *path, int mode) __MH_IMPORT(chmod);
int __mh_kill(int pid, int sig) __MH_IMPORT(kill);
int __mh_getpid(void) __MH_IMPORT(getpid);
int __mh_getppid(void) __MH_IMPORT(getppid);
int __mh_getuid(void) __MH_IMPORT(getuid);
int __mh_getgid(void) __MH_IMPORT(getgid);
int __mh_geteuid(void) __MH_IMPORT(geteuid);
int __mh_getegid(void) __MH_IMPORT(getegid);
int __mh_getpgid(int pid) __MH_IMPORT(getpgid);
int __mh_setpgid(int pid, int pgid) __MH_IMPORT(setpgid);
int __mh_setsid(void) __MH_IMPORT(setsid);
int __mh_umask(int mask) __MH_IMPORT(umask);
int __mh_chdir(const char *path) __MH_IMPORT(chdir);
int __mh_getcwd(char *buf, size_t len) __MH_IMPORT(getcwd);
int __mh_sigaction(int sig, int kind, void (*handler)(int)) __MH_IMPORT(sigaction);
int __mh_sigprocmask(int how, int mask) __MH_IMPORT(sigprocmask);
struct flock;
int __mh_lock(int fd, int cmd, struct flock *fl) __MH_IMPORT(lock);
int __mh_flock(int fd, int op) __MH_IMPORT(flock);

/* Flags for mh_spawn and pipe2. */
#define MH_SPAWN_SETSID 1
#define MH_SPAWN_SETPGROUP 2
#define MH_SPAWN_INHERIT_FDS 4
#define MH_PIPE_CLOEXEC 1
#define MH_PIPE_NONBLOCK 2

/*
 * Starts `path` as a child process. `fdmap` holds `nfds` pairs (child fd, parent fd); NULL
 * gives the child the parent's 0, 1 and 2. `envp` NULL: the parent's starting environment;
 * `cwd` NULL: the parent's working directory. Returns the pid, or -1 with errno set.
 */
pid_t mh_spawn(const char *path, char *const argv[], char *const envp[], const int *fdmap, int nfds, const char *cwd, int flags);

/* POSIX calls that wasi-libc declares only for other targets. */
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int dup(int fd);
int dup2(int fd, int to);
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
pid_t getpgid(pid_t pid);
pid_t getpgrp(void);
int setpgid(pid_t pid, pid_t pgid);
pid_t setsid(void);
int kill(pid_t pid, int sig);
int execv(const char *path, char *const argv[]);
int execve(const char *path, char *const argv[], char *const envp[]);
int execvp(const char *file, char *const argv[]);
mode_t umask(mode_t mask);
int fchmod(int fd, mode_t mode);
int chmod(const char *path, mode_t mode);
int fchown(int fd, uid_t uid, gid_t gid);

/*
 * fcntl()'s record-lock commands (F_GETLK, F_SETLK, F_SETLKW) and flock() reach the kernel's
 * lock table through the SDK; the SDK's <fcntl.h> defines the commands wasi-libc lacks.
 */
#include <fcntl.h>

/*
 * sigaction and signal sets (wasi-libc declares them only for other targets). A handler is
 * run as signal() runs one; sa_mask and the SA_* flags other than SA_RESETHAND are accepted
 * and not used: handlers run between syscalls, never nested.
 */
#if defined(_WASI_EMULATED_SIGNAL) && !defined(SA_RESTART)
#include <signal.h>
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
struct sigaction {
  void (*sa_handler)(int);
  sigset_t sa_mask;
  int sa_flags;
};
int sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);
int sigprocmask(int how, const sigset_t *set, sigset_t *old);
#endif

/* Stream locks: a process has one thread, so they are nothing to do. */
struct _IO_FILE;
void flockfile(struct _IO_FILE *f);
void funlockfile(struct _IO_FILE *f);
int ftrylockfile(struct _IO_FILE *f);

/* A unique temporary file from a template ending in XXXXXX (wasi-libc has none). */
int mkstemp(char *template);
/* Commands through /bin/sh (wasi-libc declares system() but cannot run it). */
int system(const char *command);
struct _IO_FILE *popen(const char *command, const char *mode);
int pclose(struct _IO_FILE *stream);
/* Sets the close-on-exec flag (fcntl(fd, F_SETFD, FD_CLOEXEC) elsewhere). */
int mh_set_cloexec(int fd, int on);

#ifdef __cplusplus
}
#endif

#endif
