/*
 * spawn.h for MACROHARD: posix_spawn over the kernel's spawn call. The child receives the
 * parent's descriptors 0, 1 and 2 and those named by dup2 file actions (addclose removes one
 * of them); other descriptors are not passed, so an unused pipe end never leaks into a child.
 * Open actions, attributes other than the process group, and spawnp's PATH search are
 * supported as below.
 */
#ifndef _SPAWN_H
#define _SPAWN_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSIX_SPAWN_SETPGROUP 2
#define POSIX_SPAWN_SETSID 0x80

#define __MH_SPAWN_MAX_ACTIONS 32

typedef struct {
  int __count;
  struct { int __kind, __fd, __newfd; } __actions[__MH_SPAWN_MAX_ACTIONS];
} posix_spawn_file_actions_t;

typedef struct {
  short __flags;
  pid_t __pgroup;
} posix_spawnattr_t;

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa);
int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa);
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd);
int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd);
int posix_spawnattr_init(posix_spawnattr_t *a);
int posix_spawnattr_destroy(posix_spawnattr_t *a);
int posix_spawnattr_setflags(posix_spawnattr_t *a, short flags);
int posix_spawnattr_setpgroup(posix_spawnattr_t *a, pid_t pgroup);

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

#ifdef __cplusplus
}
#endif

#endif
