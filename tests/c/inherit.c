/*
 * inherit: descriptors a parent hands a child at 3 and above, beside the files the child opens
 * by name. `inherit SELF DIR` writes DIR/inherited.txt, makes a pipe, and starts
 * `inherit --child DIR/inherited.txt` with the pipe's read end at 3 and the file open at 5;
 * the child reads both inherited descriptors, then opens the file again by its path (which
 * needs the directory preopens a WASI program finds from 3 upwards) and a fresh descriptor
 * must not take an inherited number.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, int fd) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) {
    printf("%s: read failed\n", what);
    return;
  }
  buf[n] = 0;
  printf("%s: %s", what, buf);
}

static int child(const char *path) {
  show("fd 3 (a pipe)", 3);
  show("fd 5 (the file)", 5);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    perror("open by path");
    return 1;
  }
  show("opened by path", fd);
  printf("the new descriptor is not an inherited one: %d\n", fd != 3 && fd != 5);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--child")) return child(argv[2]);
  if (argc != 3) {
    fprintf(stderr, "usage: inherit SELF DIR\n");
    return 64;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/inherited.txt", argv[2]);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return 1;
  }
  fputs("a file opened by path\n", f);
  fclose(f);

  int p[2];
  if (pipe(p) < 0) return 1;
  int file = open(path, O_RDONLY);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 3);
  posix_spawn_file_actions_adddup2(&fa, file, 5);
  char *args[] = {argv[1], "--child", path, NULL};
  pid_t pid;
  if (posix_spawn(&pid, argv[1], &fa, NULL, args, environ) != 0) {
    perror("posix_spawn");
    return 1;
  }
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  close(file);
  write(p[1], "through the pipe\n", 17);
  close(p[1]);
  int status;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
  unlink(path);
  return 0;
}
